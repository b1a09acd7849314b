; A continuation captured 100,000 frames deep, resumed twice: each resumption runs all
; 100,000 pending additions again.
(def saved nil)
(defn deep [n]
  (if (= n 0)
    (cloneable-shift [k] (set! saved k) :captured)
    (+ 1 (deep (- n 1)))))
(println (cloneable-reset (fn [] (deep 100000))))
(println (resume saved 1))
(println (resume saved 1000000))
; captured deep inside a map inside the recursion
(def saved2 nil)
(defn deep-map [n]
  (if (= n 0)
    (first (map (fn [x] (cloneable-shift [k] (set! saved2 k) x)) [0]))
    (+ 1 (deep-map (- n 1)))))
(println (cloneable-reset (fn [] (deep-map 100000))))
(println (resume saved2 5) (resume saved2 6))
