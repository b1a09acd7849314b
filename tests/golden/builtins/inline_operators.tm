; spec/language.md "Inlined operators": compiled + - < with a variable operand use Python's
; operator (no type guard); a constant operand that is not a number goes to the strict
; builtin, whose message names the value; + as a value is always the strict builtin.
(println (try (+ true 1) (catch [e] (ex-message e))))
(println (try (- 5 true) (catch [e] (ex-message e))))
(println (try (< false 1) (catch [e] (ex-message e))))
(println (try (+ 1 :a) (catch [e] (ex-message e))))
(println (try (< 1 "2") (catch [e] (ex-message e))))
(defn add1 [x] (+ x 1))
(println (add1 true))
(println (try (add1 "a") (catch [e] (ex-message e))))
(println (try (add1 nil) (catch [e] (ex-message e))))
(defn plus [a b] (+ a b))
(println (plus "con" "cat") (plus [1] [2]))
(println (try (reduce + ["a" "b"]) (catch [e] (ex-message e))))
(println (try (* 2 nil) (catch [e] (ex-message e))))
