; Literal tests: every literal but nil and false is true, also when the test is a
; constant the compiler can see (0, "", numbers, strings).
(println (if 0 :yes :no) (if "" :yes :no) (if 1.5 :yes :no) (if :k :yes :no))
(println (if nil :yes :no) (if false :yes :no))
(println (cond nil 1 0 :zero-is-true))
(println (not 0) (not ""))
(println (when 0 :ran) (unless "" :never))
