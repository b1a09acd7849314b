;; reduce with a user function over a vector: the sum of the squares.
(defn sum-squares [xs]
  (reduce (fn [acc x] (+ acc (* x x))) 0 xs))
