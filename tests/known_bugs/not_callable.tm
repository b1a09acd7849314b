; Calling an integer: the message says "a integer is not a function".
(def x 5)
(println (x 1))
