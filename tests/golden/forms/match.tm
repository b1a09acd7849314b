; match: literal patterns, _, names, constructor patterns (nested), vectors with & rest.
(struct circle [r])
(struct rect [w h])
(struct labeled [label shape])

(defn area [s]
  (match s
    (circle r) -> (* 3 r r)
    (rect w h) -> (* w h)
    (labeled _ inner) -> (area inner)))
(println (area (circle 2)) (area (rect 3 4)) (area (labeled "x" (rect 1 5))))

(defn describe [x]
  (match x
    0 -> "zero"
    1 -> "one"
    "hi" -> "a greeting"
    :k -> "a keyword"
    nil -> "nil"
    true -> "true"
    [] -> "empty vector"
    [a] -> (str "one item " a)
    [a b] -> (str "two items " a " " b)
    [a & more] -> (str "many, first " a " then " (count more))
    n -> (str "something else: " n)))
(doseq [v [0 1 "hi" :k nil true [] [7] [1 2] [1 2 3 4] 99]]
  (println (describe v)))

; nested constructor patterns with literals inside
(defn check [r]
  (match r
    (labeled "big" (rect w _)) -> (str "big rect of width " w)
    (labeled l (circle 1)) -> (str l ": unit circle")
    _ -> "other"))
(println (check (labeled "big" (rect 10 2))))
(println (check (labeled "c" (circle 1))))
(println (check (labeled "c" (circle 2))))

; lists match vector patterns too
(println (match '(1 2) [a b] -> (+ a b) _ -> :no))
; the first matching clause wins
(println (match 5 _ -> :first 5 -> :second))
; a struct pattern checks the type, not just the shape
(println (match (rect 1 2) (circle r) -> :circle _ -> :not-a-circle))
