; #9 item 13: a random generator, a sorted map and a sorted set held in a suspended frame
; serialize with their state: every copy resumed from the bytes draws the same numbers the
; live continuation draws first. (The live one shares its generator, like a ref.)
(def k (cloneable-reset
         (fn []
           (let [g (random-generator 42)
                 m (sorted-map :b 2 :a 1)
                 s (sorted-set 3 1)
                 first-draw (rand-int 1000 g)
                 tag (cloneable-shift [k] k)]
             [tag first-draw (rand-int 1000 g) (rand-int 1000 g) (shuffle [1 2 3 4 5] g)
              (assoc m :c 3) (conj s 2) (sorted? m)]))))
(def saved (serialize k))
(prn (resume k :live))
(prn (resume (deserialize saved) :copy))
(prn (resume (deserialize saved) :copy-again))
(prn (resume k :live-again))

; the session default generator: reseeding repeats its numbers
(set-random-seed! 7)
(def a [(rand-int 100) (rand-int 100) (rand-nth [:x :y :z])])
(set-random-seed! 7)
(prn (= a [(rand-int 100) (rand-int 100) (rand-nth [:x :y :z])]))
