(println "compile errors stop the module before it runs")
(let [x 1 y] (+ x y))
