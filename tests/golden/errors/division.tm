(defn average [xs] (/ (reduce + xs) (count xs)))
(println (average [1 2 3]))
(println (average []))
