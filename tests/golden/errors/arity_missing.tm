; Too few arguments: the same message form as too many (errors/arity.tm), with the
; module-qualified name of the function and the number of arguments it takes.
;
(defn greet [name greeting]
  (str greeting ", " name))

(println (greet "Ada"))
