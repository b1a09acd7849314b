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

; recur directly in a fn calls the fn again (a jump: constant space)
(defn fact [n acc] (if (= n 0) acc (recur (dec n) (* acc n))))
(println (fact 20 1))
(println ((fn [n acc] (if (= n 0) acc (recur (- n 1) (+ acc n)))) 100000 0))
; in a variadic fn, recur's last argument is the rest list itself
(defn sum-all [acc & xs] (if xs (recur (+ acc (first xs)) (next xs)) acc))
(println (sum-all 0 1 2 3 4))
; a loop inside keeps its own recur; a fn inside has its own
(defn upto [x] (loop [i 0] (if (< i x) (recur (inc i)) i)))
(println (upto 5) (map (fn [x] (if (> x 3) x (recur (* x 2)))) [1 2 5]))
; a continuation captured inside a recurring fn resumes like any other
(defn count-down [n acc] (if (= n 0) (+ acc (cloneable-shift [k] (k (k 100)))) (recur (dec n) (inc acc))))
(println (cloneable-reset (fn [] (count-down 3 0))))
