;; maps and sets in a loop: a record-like map with keyword keys updated by assoc and read by
;; keyword and by get, a count per integer key (assoc, get with a default), set membership.
(defn map-ops [xs]
  (let [seen #{0 3 6 9}]
    (loop [xs (seq xs) m {:count 0 :total 0 :hits 0} counts {}]
      (if xs
        (let [x (first xs) k (mod x 10)]
          (recur (next xs)
                 (assoc m :count (inc (:count m))
                          :total (+ (get m :total) x)
                          :hits (if (contains? seen k) (inc (:hits m)) (:hits m)))
                 (assoc counts k (inc (get counts k 0)))))
        [(:count m) (:total m) (:hits m) (get counts 3 0)]))))
