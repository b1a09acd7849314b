; Non-tail recursion 1,000,000 calls deep: the machine moves the Python stack to the
; heap when it gets deep, so there is no stack overflow.
(defn count-down [n] (if (= n 0) 0 (+ 1 (count-down (- n 1)))))
(println (count-down 1000000))
(defn build [n] (if (= n 0) '() (cons n (build (- n 1)))))
(println (count (build 200000)) (first (build 200000)))
