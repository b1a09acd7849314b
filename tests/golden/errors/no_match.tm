(defn describe [x]
  (match x
    1 -> :one
    2 -> :two))
(println (describe 1))
(println (describe 3))
