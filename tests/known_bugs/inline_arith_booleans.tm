; spec/builtins.md: booleans are never numbers: (+ true 1) is a type error.
; The compiled two-argument +, -, <, > accept booleans (Python's True == 1).
(println (try (+ true 1) (catch [e] (ex-message e))))
(println (try (- 5 true) (catch [e] (ex-message e))))
(println (try (< false 1) (catch [e] (ex-message e))))
(defn add1 [x] (+ x 1))
(println (try (add1 true) (catch [e] (ex-message e))))
