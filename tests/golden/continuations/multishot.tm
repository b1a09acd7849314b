; A continuation can be resumed any number of times; each resumption starts from the
; captured point with its own value, and the captured locals are the same every time.
(def k1 nil)
(defn compute []
  (let [a 10
        b (cloneable-shift [k] (set! k1 k) :captured)]
    (+ a b)))
(println (cloneable-reset compute))
(println (resume k1 1) (resume k1 2) (resume k1 3))
(println (map (fn [v] (resume k1 v)) (range 5)))

; a continuation captured in the middle of map: the items before it are kept, the
; items after it are computed anew by each resumption
(def km nil)
(println (cloneable-reset
           (fn [] (map (fn [x] (if (= x 2) (cloneable-shift [k] (set! km k) :captured) (* x 10)))
                       [1 2 3]))))
(println (resume km :a))
(println (resume km :b))

; resuming inside another resumption
(def kk nil)
(println (cloneable-reset (fn [] (* 2 (cloneable-shift [k] (set! kk k) 0)))))
(println (resume kk (resume kk (resume kk 1))))

; all the paths through two binary choices
(defn flip [] (cloneable-shift [k] (concat (resume k true) (resume k false))))
(println (cloneable-reset (fn [] (list [(flip) (flip)]))))

; a continuation captured inside a try: an error after resuming is caught by that try
(def kt nil)
(defn risky []
  (try
    (let [v (cloneable-shift [k] (set! kt k) :captured)]
      (if (= v :bad) (throw :oops) [:ok v]))
    (catch [e] [:caught e])))
(println (cloneable-reset risky))
(println (resume kt :fine))
(println (resume kt :bad))
(println (resume kt :fine))
