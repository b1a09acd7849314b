; The design note's first example: each top-level form runs under an implicit prompt,
; so k is "add 1 and define result". Resuming it gives 43 and rebinds result.
(def saved #f)
(def result
  (+ 1 (cloneable-shift [k]
         (set! saved k)
         10)))
(println result)
(println (resume saved 42))
(println result)
; resumed again, with another value
(println (resume saved 1))
(println result)
