; (comp) with no functions is identity, as in Clojure.
(println ((comp) 7))
