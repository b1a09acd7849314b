(println "a malformed form stops the module before it runs")
(defn square [x]
  (* x x))
(def f (fn [n 1] n))
