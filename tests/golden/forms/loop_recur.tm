; loop/recur: recur jumps back to the loop with new values, in constant stack space.
(println (loop [i 0 acc []] (if (< i 5) (recur (inc i) (conj acc (* i i))) acc)))
(defn sum-to [n] (loop [i 1 s 0] (if (> i n) s (recur (inc i) (+ s i)))))
(println (sum-to 100) (sum-to 1000000))
; recur inside cond and let, in tail position
(defn collatz-steps [n]
  (loop [n n steps 0]
    (cond (= n 1) steps
          (even? n) (recur (quot n 2) (inc steps))
          :else (let [m (+ (* 3 n) 1)] (recur m (inc steps))))))
(println (collatz-steps 27))
; nested loops: each recur goes to its own loop
(println (loop [i 0 out []]
           (if (= i 3)
             out
             (recur (inc i) (conj out (loop [j 0 s 0] (if (> j i) s (recur (inc j) (+ s j)))))))))
; a loop with no bindings
(def n 0)
(loop [] (when (< n 3) (set! n (inc n)) (recur)))
(println n)
