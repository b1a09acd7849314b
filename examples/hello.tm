; hello.tm: the smallest Turmeric program, and a first taste of continuations.
;
;   turmeric run examples/hello.tm

(println "Hello from Turmeric!")

; (cloneable-shift [k] ...) captures "the rest of the computation", up to the nearest
; (cloneable-reset ...), as a value k. Here the rest is: put the value into the
; greeting. The shift body returns k itself, so the reset's value is the continuation.
(def greet
  (cloneable-reset
    (fn [] (str "Hello, " (cloneable-shift [k] k) "!"))))

; (resume k v) runs the rest of the computation with v in place of the shift.
; A continuation can be resumed as many times as we like.
(println (resume greet "world"))
(println (resume greet "continuations"))
(println (map (fn [who] (resume greet who)) ["Ada" "Alan"]))
