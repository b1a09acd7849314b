;; The whole-process generator program (bench/generator.py): bench/programs/generator.tm's
;; generator, summing N elements, printed. Python's twin is generator.py beside it.
(defn yield [x] (cloneable-shift [k] [x k]))

(defn produce [i n]
  (when (< i n)
    (yield i)
    (produce (inc i) n)))

(defn consume [step acc]
  (if (nil? step)
    acc
    (consume (resume (nth step 1)) (+ acc (nth step 0)))))

(println (consume (cloneable-reset (fn [] (produce 0 100000) nil)) 0))
