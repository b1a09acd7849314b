;; The job that examples/migrate/ moves from node A to node B: the design note's "distributed
;; task migration" (seed 004), with run-task1..3. Half-way, in run-task2, it suspends itself
;; with cloneable-shift, so (start n) returns the rest of the job as a continuation, a value
;; that node A serializes and sends over TCP, and that node B deserializes and resumes.
;; Each task says on which node it runs (NODE, read when it runs: on B after the migration).
(module job :version 1)

(defn node [] (getenv "NODE" "A"))

(defn run-task1 [n]
  (println "task1 on" (node))
  (vec (map (fn [i] (* i i)) (range 1 (inc n)))))        ; the squares 1..n

(defn run-task2 [squares]
  (cloneable-shift [k] k)                              ; half way: hand the rest of the job over
  (println "task2 on" (node))
  (filter even? squares))

(defn run-task3 [evens]
  (println "task3 on" (node))
  {:evens (count evens) :sum (reduce + 0 evens)})

(defn job [n]
  (let [task1-result (run-task1 n)
        task2-result (run-task2 task1-result)
        task3-result (run-task3 task2-result)]
    task3-result))

;; The job under a prompt: it runs task1, and returns the continuation of the rest.
(defn start [n] (cloneable-reset (fn [] (job n))))
