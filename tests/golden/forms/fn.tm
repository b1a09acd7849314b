; fn: anonymous functions, named fns that call themselves, closures.
(println ((fn [x] (* x x)) 7))
(println ((fn [& xs] (count xs)) 1 2 3))
(println ((fn fib [n] (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2))))) 15))

(defn adder [n] (fn [x] (+ x n)))
(def add5 (adder 5))
(println (add5 10) ((adder 1) 1))

; each closure captures its own variables
(def fs (map (fn [i] (fn [] (* i 10))) [1 2 3]))
(println (map (fn [f] (f)) fs))

; closures nested three deep see all the outer variables
(defn outer [a]
  (fn [b]
    (fn [c] (list a b c))))
(println (((outer 1) 2) 3))

(println (fn? (fn [] nil)) (fn? add5))
