; set! on a global, on a let local, on a parameter, on a local def, and on a
; variable captured by closures (every closure sees the one shared variable).
(def total 0)
(defn add-to-total! [n] (set! total (+ total n)))
(add-to-total! 5)
(add-to-total! 7)
(println total)

(defn bump-let [] (let [x 1] (set! x (+ x 10)) x))
(println (bump-let))

(defn bump-param [p] (set! p (* p 2)) p)
(println (bump-param 21))

(defn make-counter []
  (def n 0)
  (fn [] (set! n (inc n)) n))
(def c1 (make-counter))
(def c2 (make-counter))
(c1) (c1)
(println (c1) (c2))

; two closures over the same variable: a setter and a getter
(defn make-cell [v]
  {:get (fn [] v) :set (fn [new] (set! v new))})
(def cell (make-cell 1))
((:set cell) 42)
(println ((:get cell)))

; a closure made in a loop body sees later changes to the variable it captured
(defn closures-see-updates []
  (let [x 1
        f (fn [] x)]
    (set! x 2)
    (f)))
(println (closures-see-updates))

; set! returns nothing useful to rely on; the variable holds the new value
(def s "a")
(set! s (str s "b"))
(println s)
