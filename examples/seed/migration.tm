;; The design note's distributed task migration: a half-finished job is serialized on
;; node A and resumed on node B. Here "node B" is a fresh process started by this script.
(defn run-task1 [] (println "task1 on" (getenv "NODE" "A")) 10)
(defn run-task2 [x]
  ;; half way: suspend the job and hand it to the caller
  (cloneable-shift [k] k)
  (println "task2 on" (getenv "NODE" "A"))
  (* x 2))
(defn run-task3 [x] (println "task3 on" (getenv "NODE" "A")) (+ x 1))
(defn send-to-node-b [bytes] (write-file "job.bin" bytes))
(defn receive-bytes [] (read-file "job.bin"))

;; Node A: long-running job, half done
(def job
  (cloneable-reset
    (fn []
      (def task1-result (run-task1))
      (def task2-result (run-task2 task1-result))
      (def task3-result (run-task3 task2-result))
      task3-result)))

;; Save state
(def bytes (serialize job))
(send-to-node-b bytes)

;; Node B: resume
;; (the design note writes this line with one closing parenthesis missing; it is added here)
(def job (deserialize (receive-bytes)))
(def result (resume job))
(println "result" result)
