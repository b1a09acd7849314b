; The Turmeric call stack names a closure by its stable symbol:
; closure_stack_name.make-adder/fn#1 is the first anonymous fn inside make-adder.
;
(defn make-adder [n]
  (fn [x] (+ x n)))
(defn run []
  ((make-adder 1) :oops))
(run)
