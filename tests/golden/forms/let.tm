; let binds in order: later bindings see earlier ones; inner lets shadow outer ones.
(let [a 1 b (+ a 1) c (* b 10)]
  (println a b c))
(def a :global)
(let [a 1]
  (let [a (+ a 1)]
    (println a))
  (println a))
(println a)
(println (let [] 5))
(prn (let [x 1]))
(let [x 1 x (+ x 1)] (println x))
(println (let [f (fn [n] (* n 2))] (f 21)))
