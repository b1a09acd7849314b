; cond: the first true test wins; :else (any keyword) is the default; no match is nil.
(defn classify [n]
  (cond (< n 0) :negative
        (= n 0) :zero
        (< n 10) :small
        :else :large))
(println (map classify [-5 0 3 100]))
(prn (cond false 1 nil 2))
(prn (cond))
(def zero 0)
(println (cond nil 1 zero :zero-is-true))
(println (cond true :t))
