(println "fine")
(defn broken [x]
  (+ x 1)
