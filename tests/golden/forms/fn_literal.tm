; #(...) is a fn: % (or %1) is its first argument, %2 the second, %& the rest.
(println (map #(* % %) [1 2 3]) (filter #(even? %) (range 6)))
(println (#(+ %1 %2) 3 4) (#(apply + %&) 1 2 3) (#(str "x")))
(println (map #(vector % {:v %}) [1 2]))
