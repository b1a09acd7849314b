; Generators from cloneable-shift: (yield v) suspends the producer and hands v and the
; rest of the producer to the consumer. The producer can yield from inside the
; builtins that call functions: map, filter, reduce, for-each, for-each-with-index,
; apply, swap! and the others, which resume in the middle of their loop.
(defn yield [v] (cloneable-shift [k] {:value v :next k}))

; run the producer under a prompt; it returns its last step or [:done result]
(defn start [producer] (cloneable-reset (fn [] [:done (producer)])))

; all the yielded values, then the producer's result
(defn drain [step]
  (loop [step step out []]
    (if (vector? step)
      (conj out (second step))
      (recur (resume (:next step)) (conj out (:value step))))))

(defn show [label producer] (println label (drain (start producer))))

(show "map:" (fn [] (map (fn [x] (yield x) (* x 10)) [1 2 3])))
(show "map two colls:" (fn [] (map (fn [a b] (yield [a b]) (+ a b)) [1 2] [10 20])))
(show "map-indexed:" (fn [] (map-indexed (fn [i x] (yield i) [i x]) [:a :b])))
(show "filter:" (fn [] (filter (fn [x] (yield x) (odd? x)) [1 2 3 4 5])))
(show "remove:" (fn [] (remove (fn [x] (yield x) (odd? x)) [1 2 3])))
(show "reduce:" (fn [] (reduce (fn [acc x] (yield acc) (+ acc x)) 0 [1 2 3])))
(show "reduce no init:" (fn [] (reduce (fn [acc x] (yield [acc x]) (* acc x)) [1 2 3 4])))
(show "for-each:" (fn [] (for-each (fn [x] (yield (* x x))) [1 2 3])))
(show "for-each-with-index:" (fn [] (for-each-with-index [:a :b :c] (fn [i x] (yield [i x])))))
(show "doseq:" (fn [] (doseq [x "ab"] (yield x)) :end))
(show "apply:" (fn [] (apply (fn [a b] (yield a) (yield b) (+ a b)) [1 2])))
(def counter (ref 5))
(show "swap!:" (fn [] (swap! counter (fn [v] (yield v) (inc v)))))
(println "ref after swap!:" @counter)
(show "some:" (fn [] (some (fn [x] (yield x) (> x 1)) [1 2 3])))
(show "every?:" (fn [] (every? (fn [x] (yield x) (< x 2)) [1 2 3])))
(show "update:" (fn [] (update {:n 1} :n (fn [v] (yield v) (+ v 100)))))
(show "nested:" (fn [] (map (fn [xs] (reduce (fn [a x] (yield x) (+ a x)) 0 xs)) [[1 2] [3]])))
(show "core.tm fns:" (fn [] ((comp inc (fn [x] (yield x) (* x 2))) 5)))

; a generator that never ends, consumed lazily: the first 8 Fibonacci numbers
(defn fib-gen [] (loop [a 0 b 1] (yield a) (recur b (+ a b))))
(defn take-gen [n step]
  (if (= n 0) [] (cons (:value step) (take-gen (- n 1) (resume (:next step))))))
(println (take-gen 8 (start fib-gen)))

; one step resumed twice gives two independent futures
(def s (start (fn [] (map (fn [x] (* 2 (yield x))) [1 2 3]))))
(def s2 (resume (:next s) 100))
(def s3 (resume (:next s2) 200))
(println (second (resume (:next s3) 300)))
(println (second (resume (:next s3) 301)))
(def s2b (resume (:next s) 7))
(println (second (resume (:next (resume (:next s2b) 8)) 9)))
