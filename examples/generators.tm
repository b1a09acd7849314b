; generators.tm: generators built from cloneable-shift.
;
; A generator is an ordinary function that calls (yield v) for each value it produces.
; yield captures the rest of the generator as a continuation and hands it, with the
; value, back to the consumer; resuming that continuation runs the generator on to its
; next yield. Nothing is computed before the consumer asks for it, so a generator may
; be infinite.

(defn yield [v]
  (cloneable-shift [k] {:value v :rest k}))

; Start a generator: run it up to its first yield. A step is {:value v :rest k}, or
; :done once the generator has returned.
(defn start [generator]
  (cloneable-reset (fn [] (generator) :done)))

(defn next-step [step] (resume (:rest step)))

; The first n values of a generator, as a vector.
(defn take-values [n step]
  (loop [n n step step out []]
    (if (or (= n 0) (= step :done))
      out
      (recur (dec n) (next-step step) (conj out (:value step))))))

; 1. An infinite generator: the natural numbers, and the Fibonacci numbers.
(defn naturals [] (loop [i 0] (yield i) (recur (inc i))))
(defn fibonacci [] (loop [a 0 b 1] (yield a) (recur b (+ a b))))
(println "naturals: " (take-values 10 (start naturals)))
(println "fibonacci:" (take-values 12 (start fibonacci)))

; 2. yield works from inside the builtins that call functions (map, filter, for-each,
;    reduce, ...): they stop in the middle of their loop and go on when resumed.
(defn odd-squares [xs]
  (for-each (fn [x] (when (odd? x) (yield (* x x)))) xs))
(println "odd squares:" (take-values 100 (start (fn [] (odd-squares (range 10))))))

(defn running-totals [xs]
  (reduce (fn [total x] (yield (+ total x)) (+ total x)) 0 xs))
(println "running totals:" (take-values 100 (start (fn [] (running-totals [5 10 20 40])))))

; 3. Walking a tree: a recursive generator yields the leaves from left to right.
(struct node [left value right])
(defn walk [tree]
  (when tree
    (walk tree.left)
    (yield tree.value)
    (walk tree.right)))

;      4              2
;     / \            / \
;    2   5          1   4
;   / \                / \
;  1   3              3   5
(def tree-a (node (node (node nil 1 nil) 2 (node nil 3 nil)) 4 (node nil 5 nil)))
(def tree-b (node (node nil 1 nil) 2 (node (node nil 3 nil) 4 (node nil 5 nil))))
(def tree-c (node (node nil 1 nil) 2 (node nil 3 (node nil 6 nil))))
(println "tree a in order:" (take-values 100 (start (fn [] (walk tree-a)))))

; The same-fringe problem: do two trees have the same leaves in the same order? Walk
; both at once and stop at the first difference, without listing either tree.
(defn same-fringe? [t1 t2]
  (loop [a (start (fn [] (walk t1)))
         b (start (fn [] (walk t2)))]
    (cond (and (= a :done) (= b :done)) true
          (or (= a :done) (= b :done)) false
          (not= (:value a) (:value b)) false
          :else (recur (next-step a) (next-step b)))))
(println "same fringe a b:" (same-fringe? tree-a tree-b))
(println "same fringe a c:" (same-fringe? tree-a tree-c))

; 4. A step is a value: resuming the same step twice replays the generator from there,
;    once for each future. Here yield also receives a value: what the consumer passes
;    to resume.
(defn order-drink []
  (let [drink (yield "What would you like?")
        extra (yield (str drink " with what?"))]
    (yield (str "One " drink " with " extra ", coming up."))))
(def q1 (start order-drink))
(println (:value q1))
(def q2 (resume (:rest q1) "tea"))
(println (:value q2))
(println (:value (resume (:rest q2) "milk")))
(println (:value (resume (:rest q2) "lemon")))
