; defn: fixed parameters, rest parameters [a & more], a docstring, recursion,
; type annotations, functions as values.
(defn add [a b] (+ a b))
(println (add 2 3))

(defn describe
  "A docstring before the parameters."
  [x]
  (str "<" x ">"))
(println (describe 1))

(defn rest-args [a & more] [a more])
(prn (rest-args 1 2 3))
(prn (rest-args 1 2))
(prn (count (second (rest-args 1))))

(defn only-rest [& xs] (apply + xs))
(println (only-rest) (only-rest 1 2 3 4))

(defn fact [n] (if (= n 0) 1 (* n (fact (- n 1)))))
(println (fact 20))
(println (fact 30))

(defn typed [x : int y : int] : int (+ x y))
(println (typed 1 2))

(defn last-of-body [] 1 2 3)
(println (last-of-body))

(defn empty-body [])
(prn (empty-body))

(println (map add [1 2] [10 20]))
(prn add)
