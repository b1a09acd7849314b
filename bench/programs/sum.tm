;; A tail-recursive loop: the compiler turns the self tail call into a Python `while`.
(defn sum-to [n acc]
  (if (= n 0)
    acc
    (sum-to (- n 1) (+ acc n))))
