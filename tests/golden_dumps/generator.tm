(defn yield [v] (cloneable-shift [k] [v k]))
(defn gen [] (yield 1) (yield 2) nil)
(defn drain [step]
  (if (nil? step) [] (cons (first step) (drain (resume (second step) nil)))))
(println (drain (cloneable-reset (fn [] (gen)))))
