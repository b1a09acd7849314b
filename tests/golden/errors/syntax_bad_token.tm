(println 1)
(println -42abc)
