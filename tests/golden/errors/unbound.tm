(defn square [x] (* x x))
(println "this never runs: unbound names are found before the module runs")
(println (sqare 4))
