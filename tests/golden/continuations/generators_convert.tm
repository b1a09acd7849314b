; mapv, sort-by and group-by finish their work (a vector, the sorted items, the groups)
; after a continuation captured in their function is resumed.
(defn yield [v] (cloneable-shift [k] {:value v :next k}))
(defn start [producer] (cloneable-reset (fn [] [:done (producer)])))
(defn drain [step]
  (loop [step step out []]
    (if (vector? step)
      (conj out (second step))
      (recur (resume (:next step)) (conj out (:value step))))))
(defn show [label producer] (println label (drain (start producer))))
(show "mapv:" (fn [] (mapv (fn [x] (yield x) (- x)) '(4 5))))
(show "sort-by:" (fn [] (sort-by (fn [x] (yield x) (- x)) [2 3 1])))
(show "group-by:" (fn [] (group-by (fn [x] (yield x) (odd? x)) [1 2 3])))
