; Reading a missing field with p.z: the caret points at the start of the top-level
; form (7:1) instead of at p.z (7:10), and the message says "a point" where the spec's
; type words say "struct point".
(struct point [x y])
(def p (point 1 2))
(println p.x)
(println p.z)
