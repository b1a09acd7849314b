;; Doubly recursive Fibonacci: function calls and integer arithmetic.
(defn fib [n]
  (if (< n 2)
    n
    (+ (fib (- n 1)) (fib (- n 2)))))
