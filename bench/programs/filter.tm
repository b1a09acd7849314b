;; filter with a user predicate over a vector.
(defn multiples-of-3 [xs]
  (filter (fn [x] (= (mod x 3) 0)) xs))
