; A literal number or string as the test of if (or cond) makes the generated Python
; `if (0 is not None and 0 is not False)`, and compiling it prints
; "SyntaxWarning: "is not" with a literal" on stderr (when the module is not cached yet).
; (not 0) likewise makes `(0 is None or 0 is False)`.
(println (if 0 :yes :no) (if "" :yes :no))
(println (cond nil 1 0 :zero-is-true))
(println (not 0) (not ""))
