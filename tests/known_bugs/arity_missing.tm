; Too few arguments: the message says "arity_missing.greet is missing 1 argument(s)"
; (and "map_ is missing 2 argument(s)" for (map), leaking the Python name), while too many
; says "arity.greet takes 1 argument, got 2". Expected the same form for both.
(defn greet [name greeting]
  (str greeting ", " name))

(println (greet "Ada"))
