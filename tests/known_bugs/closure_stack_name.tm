; The Turmeric call stack names a closure by its Python name `fn_` instead of its
; stable symbol closure_stack_name.make-adder/fn#1 (CodeMap.locate looks up co_name, but
; Session.register keys closures by co_qualname).
(defn make-adder [n]
  (fn [x] (+ x n)))
(defn run []
  ((make-adder 1) :oops))
(run)
