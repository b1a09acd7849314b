; -> puts the value as the first argument of each step, ->> as the last; a bare
; function name is a one-argument call.
(println (-> 5 (- 1) (* 2)))
(println (->> 5 (- 1) (* 2)))
(println (-> 5 inc inc str))
(println (-> {:a {:b 7}} :a :b))
(println (->> [1 2 3 4 5 6] (filter even?) (map (fn [x] (* x x))) (reduce +)))
(println (-> "  Hello  " trim upper-case (str "!")))
(println (-> 1))
