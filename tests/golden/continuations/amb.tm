; amb with backtracking: (choose xs) tries each x by resuming its continuation once per
; choice; (fail) abandons the current branch. all-solutions collects every success.
(defn choose [xs]
  (cloneable-shift [k] (apply concat (map (fn [x] (resume k x)) xs))))
(defn fail [] (cloneable-shift [k] '()))
(defn require! [ok] (unless ok (fail)))
(defn all-solutions [thunk] (cloneable-reset (fn [] (list (thunk)))))

; Pythagorean triples a <= b <= c <= 20
(println (all-solutions
           (fn []
             (let [a (choose (range 1 21))
                   b (choose (range a 21))
                   c (choose (range b 21))]
               (require! (= (+ (* a a) (* b b)) (* c c)))
               [a b c]))))

; every pair of distinct digits from 1-4 that sum to 5, in choice order
(println (all-solutions
           (fn []
             (let [x (choose [1 2 3 4])
                   y (choose [1 2 3 4])]
               (require! (and (not= x y) (= 5 (+ x y))))
               (str x "+" y)))))

; no solution at all
(println (all-solutions (fn [] (let [x (choose [1 2 3])] (require! (> x 5)) x))))

; first solution only: stop at the first branch that does not fail
(defn try-each [k xs]
  (if (empty? xs)
    :fail
    (let [r (resume k (first xs))]
      (if (= r :fail) (try-each k (rest xs)) r))))
(defn choose-first [xs] (cloneable-shift [k] (try-each k xs)))
(defn fail-first [] (cloneable-shift [k] :fail))
(def tries 0)
(println (cloneable-reset
           (fn []
             (let [n (choose-first (range 2 100))]
               (set! tries (inc tries))
               (when (not= 0 (mod 91 n)) (fail-first))
               [:smallest-factor-of-91 n]))))
(println tries)
