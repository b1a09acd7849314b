(defn adder [n] (fn [x] (+ x n)))
(def add2 (adder 2))
(println (add2 40))
