; spec/builtins.md: a wrong argument type is `name: expected <what>, got <type> <value>`.
; Fixed for constants; the compiled (+ x 1) in add1 still reports
; "+: expected a number, got string" without the value.
(println (try (+ 1 :a) (catch [e] (ex-message e))))
(defn add1 [x] (+ x 1))
(println (try (add1 "a") (catch [e] (ex-message e))))
(println (try (* 2 nil) (catch [e] (ex-message e))))
(println (try (< 1 "2") (catch [e] (ex-message e))))
