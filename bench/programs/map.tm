;; map with a user function over a vector.
(defn map-squares [xs]
  (map (fn [x] (* x x)) xs))
