; Calling a value that is not a function.
(def x 5)
(println (x 1))
