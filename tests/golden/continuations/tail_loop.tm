; Tail calls run in constant stack space: 10,000,000 iterations of a self tail call,
; and the same with loop/recur.
(defn count-up [i n acc] (if (= i n) acc (count-up (+ i 1) n (+ acc 2))))
(println (count-up 0 10000000 0))
(println (loop [i 0] (if (< i 10000000) (recur (inc i)) i)))
