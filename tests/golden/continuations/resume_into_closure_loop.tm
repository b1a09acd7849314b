; Resuming a continuation captured inside a loop whose function is a closure (it closes
; over n, or over k and limit), and resuming inside such a loop.
(defn yield [v] (cloneable-shift [k] {:value v :next k}))
(defn count-to [n] (loop [i 0] (when (< i n) (yield i) (recur (inc i)))))
(def s (cloneable-reset (fn [] (count-to 3))))
(println (:value s))
(println (:value (resume (:next s))))
; a named fn calling itself in tail position after a capture, inside a closure
(defn walk [k limit]
  (loop [i 0] (let [r (resume k i)] (if (< r limit) (recur (inc i)) r))))
(println (walk (cloneable-reset (fn [] (* 10 (cloneable-shift [k] k)))) 25))
