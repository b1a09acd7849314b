;; Capture and resume of a continuation n frames deep.

(defn descend [n]
  (if (= n 0)
    (cloneable-shift [k] k)
    (+ 1 (descend (- n 1)))))

(defn descend-plain [n]
  (if (= n 0)
    0
    (+ 1 (descend-plain (- n 1)))))

;; capture n frames, then resume them: returns n
(defn capture-resume [n]
  (let [k (cloneable-reset (fn [] (descend n)))]
    (resume k 0)))

;; capture only: returns the continuation
(defn capture-only [n]
  (cloneable-reset (fn [] (descend n))))

;; the same recursion without a capture (the baseline)
(defn plain [n]
  (cloneable-reset (fn [] (descend-plain n))))
