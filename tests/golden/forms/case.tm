; case: compares the value with constants (not evaluated); a list of constants matches
; any of them; a last lone form is the default.
(defn kind [x]
  (case x
    1 :one
    (2 3) :two-or-three
    :k :keyword
    "s" :string
    sym :symbol
    [1 2] :vector
    :default))
(println (map kind [1 2 3 :k "s" 'sym [1 2] 99]))
(println (case (+ 1 1) 2 "two" "other"))
(println (try (case 5 1 :one) (catch [e] (ex-message e))))
