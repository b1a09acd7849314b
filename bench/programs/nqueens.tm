;; N-queens: count the placements of n queens on an n x n board by backtracking.
;; A partial placement is a list of the columns of the queens placed so far, latest first.

(defn safe? [col placed]
  (loop [qs placed dist 1]
    (if (empty? qs)
      true
      (let [c (first qs)]
        (if (or (= c col) (= (abs (- c col)) dist))
          false
          (recur (rest qs) (inc dist)))))))

(defn place [n row placed]
  (if (= row n)
    1
    (loop [col 0 total 0]
      (if (= col n)
        total
        (recur (inc col)
               (if (safe? col placed)
                 (+ total (place n (inc row) (cons col placed)))
                 total))))))

(defn nqueens [n] (place n 0 '()))
