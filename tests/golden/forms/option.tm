; Some and None are core structs; match takes them apart.
(defn safe-div [a b]
  (if (= b 0) (None) (Some (/ a b))))
(defn show [opt]
  (match opt
    (Some v) -> (str "got " v)
    (None) -> "nothing"))
(println (show (safe-div 10 2)))
(println (show (safe-div 1 0)))
(println (Some 1) (None))
(println (= (None) (None)) (= (Some 1) (Some 1)) (= (Some 1) (Some 2)))
(println (type-of (Some 1)) (type-of (None)))
(println (:value (Some 5)))
