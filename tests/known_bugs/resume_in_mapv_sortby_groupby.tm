; mapv, sort-by and group-by call map_ and then convert its result (to a vector, to the
; sorted items, to the groups); a continuation captured in their function and resumed
; only resumes the inner map, so the conversion is lost: mapv returns a list, sort-by
; the list of keys, group-by the list of keys.
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
