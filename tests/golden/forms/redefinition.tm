; A name defined twice in one file: each top-level form sees the definition made so far.
(defn f [] 1)
(println (f))
(defn f [] 2)
(println (f))
(def g (fn [] :first))
(def h g)
(def g (fn [] :second))
(println (h) (g))
