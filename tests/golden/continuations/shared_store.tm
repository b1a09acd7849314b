; Continuations capture variables, not their values: a variable changed with set! after
; the capture is seen by every later resumption, and a change made by one resumption is
; seen by the next. (Only serialization makes a separate copy.)
(defn demo-local []
  (def x 1)
  (def k (cloneable-reset (fn [] (+ (cloneable-shift [k] k) x))))
  (set! x 100)
  (list (resume k 1) (resume k 2)))
(println (demo-local))

; each resumption increments the same n
(defn demo-counter []
  (def n 0)
  (def k (cloneable-reset (fn [] (cloneable-shift [k] k) (set! n (inc n)) n)))
  (list (resume k) (resume k) (resume k) n))
(println (demo-counter))

; a global
(def g :before)
(def kg (cloneable-reset (fn [] (list (cloneable-shift [k] k) g))))
(set! g :after)
(println (resume kg 1))

; a ref
(def r (ref 0))
(def kr (cloneable-reset (fn [] (cloneable-shift [k] k) (swap! r inc))))
(resume kr)
(resume kr)
(println @r)

; a let variable captured by a closure and by the continuation: both see the change
(defn demo-closure []
  (let [v 1
        get-v (fn [] v)
        k (cloneable-reset (fn [] (cloneable-shift [k] k) (set! v (* v 10)) (get-v)))]
    (list (resume k) (resume k) v (get-v))))
(println (demo-closure))

; variables that are never set! are simply values: each resumption sees the captured one
(defn demo-values []
  (let [items [1 2]
        k (cloneable-reset (fn [] (conj items (cloneable-shift [k] k))))]
    (list (resume k 3) (resume k 4) items)))
(println (demo-values))
