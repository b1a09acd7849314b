; spec/builtins.md: booleans are never numbers: (+ true 1) is a type error.
; Fixed for constants; still wrong when the boolean comes from a parameter: the compiled
; (+ x 1) in add1 gives 2 for (add1 true) (Python's True == 1).
(println (try (+ true 1) (catch [e] (ex-message e))))
(println (try (- 5 true) (catch [e] (ex-message e))))
(println (try (< false 1) (catch [e] (ex-message e))))
(defn add1 [x] (+ x 1))
(println (try (add1 true) (catch [e] (ex-message e))))
