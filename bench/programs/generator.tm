;; A generator built from cloneable-shift: the producer suspends at every element; the
;; consumer resumes it once per element. One capture and one resume per element.
;; (Written with top-level self tail calls rather than `loop`: see docs/performance.md.)

(defn yield [x] (cloneable-shift [k] [x k]))

(defn produce [i n]
  (when (< i n)
    (yield i)
    (produce (inc i) n)))

(defn consume [step acc]
  (if (nil? step)
    acc
    (consume (resume (nth step 1)) (+ acc (nth step 0)))))

(defn gen-sum [n]
  (consume (cloneable-reset (fn [] (produce 0 n) nil)) 0))
