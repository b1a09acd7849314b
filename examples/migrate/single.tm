;; The same job in one process, for comparison: node_b.tm prints the same result line.
;;   turmeric run single.tm [N]
(import job)
(def n (if (first (command-line-args)) (parse-long (first (command-line-args))) 10))
(println "result" (resume (job/start n)))
