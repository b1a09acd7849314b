; defclass declares methods; instance implements them for a type (a struct name or a
; built-in type name); a method dispatches on the type of its first argument.
(defclass Shape [a]
  (area [s : a] : float)
  (label [s : a] : string))
(struct square [side])
(struct circle [r])
(instance Shape square
  (area [s] (* s.side s.side))
  (label [s] "square"))
(instance Shape circle
  (area [s] (* 3 s.r s.r))
  (label [s] (str "circle of radius " s.r)))
(println (map area [(square 2) (circle 1)]))
(println (map label [(square 2) (circle 1)]))
(instance Shape int
  (area [n] n)
  (label [n] "just a number"))
(println (area 7) (label 7))
(println (try (area "x") (catch [e] (ex-message e))))
; comment ignores its body
(comment (println "never printed"))
(println :end)
