;; Node B of the migration (examples/migrate/README.md): listens, receives the half-done job
;; from node A, deserializes it and finishes it, and sends the result back to A.
;;
;;   MIGRATE_KEY=secret NODE=B turmeric run node_b.tm [PORT]
;;
;; Bytes from the network are not trusted (spec/serialization.md §10): they must be signed with
;; the shared key (a forged or altered job is a deserialize error), and :resources :refuse
;; refuses any file handle or socket in them instead of reopening it.
(import job)

(def secret (or (getenv "MIGRATE_KEY") (throw (error "set MIGRATE_KEY, the secret node A and node B share"))))
(def listener (tcp-listen (if (first (command-line-args)) (parse-long (first (command-line-args))) 0)))
(println "node B: listening on port" (tcp-port listener))
(flush)

(def conn (tcp-accept listener 60000))
(def job (deserialize (receive-bytes conn 60000) :key secret :resources :refuse))
(def result (resume job))
(println "result" result)
(send-bytes conn (str->bytes (str "finished: " (pr-str result))))
(close conn)
(close listener)
