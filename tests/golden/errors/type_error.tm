; An uncaught runtime error: the message, the source line with a caret under the call
; that failed, and the Turmeric call stack; exit code 1. Output printed before stays.
(defn total [items]
  (reduce + 0 items))
(defn report [order]
  (str "total: " (total order)))
(println "starting")
(println (report [1 2 :three]))
(println "never printed")
