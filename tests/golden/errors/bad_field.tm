; Reading a field a struct does not have: the caret is under p.z, the hint lists the
; fields.
;
(struct point [x y])
(def p (point 1 2))
(println p.x)
(println p.z)
