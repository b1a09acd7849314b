;; String building: one small string per number, joined with a separator.
(defn join-numbers [xs]
  (join ", " (map (fn [x] (str "#" x)) xs)))
