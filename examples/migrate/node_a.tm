;; Node A of the migration (examples/migrate/README.md): runs the job half-way, then sends the
;; rest of it to node B over TCP, signed, as one length-framed message, and waits for B's answer.
;;
;;   MIGRATE_KEY=secret turmeric run node_a.tm PORT [N]
(import job)

(def args (command-line-args))
(def port (parse-long (first args)))
(def n (if (second args) (parse-long (second args)) 10))
(def secret (or (getenv "MIGRATE_KEY") (throw (error "set MIGRATE_KEY, the secret node A and node B share"))))

(def half-done (job/start n))                          ; task1 runs here, then the job stops
(def payload (serialize half-done :key secret))
(def conn (tcp-connect "127.0.0.1" port))
(send-bytes conn payload)
(println "node A: sent the half-done job to node B," (count payload) "bytes")
(def answer (receive-bytes conn 60000))                ; nil: B closed the connection
(close conn)
(if answer
  (println "node A: node B says" (bytes->str answer))
  (do (println "node A: node B closed the connection without an answer") (exit 1)))
