; The reader macros ' ` ~ ~@ @ read as (quote x), (quasiquote x), (unquote x),
; (unquote-splicing x) and (deref x).
(prn ''a)
(prn '`(a ~b ~@c))
(prn '@r)
(prn (first ''a) (second ''a))
(def r (ref 5))
(prn @r)
(def xs [2 3])
(prn `(1 ~@xs ~(count xs)))
(prn #bytes "68690a")
(prn (bytes->str #bytes "68 69"))
