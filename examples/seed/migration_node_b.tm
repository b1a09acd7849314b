;; Node B of the migration example, as a separate process: run migration.tm first
;; (it leaves job.bin), then `NODE=B turmeric run migration_node_b.tm`.
(def job (deserialize (read-file "job.bin")))
(def result (resume job))
(println "result" result)
