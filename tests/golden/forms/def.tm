; def at top level defines a global; inside a function body it defines a local
; visible in the rest of that body (as in the design note's process-order).
(def x 10)
(def greeting "hi")
(println x greeting)
(def x (+ x 1))
(println x)
(def nothing)
(prn nothing)

(defn area [w h]
  (def a (* w h))
  (def label (str w "x" h))
  (str label "=" a))
(println (area 3 4))
(println x)

; a local def shadows the global only inside the body
(defn shadow []
  (def x 99)
  x)
(println (shadow) x)

; a local def can be read by a closure made before it in the same body
(defn later []
  (def get-y (fn [] y))
  (def y 7)
  (get-y))
(println (later))

; type annotations after the name are allowed and ignored
(def n : int 5)
(println n)
