; a builtin called with the wrong number of arguments names itself and both counts
(println (try (inc 1 2) (catch e (ex-message e))))
(println (try (first) (catch e (ex-message e))))
(println (try (subs "abc" 1 2 3) (catch e (ex-message e))))
(println (try (range 1 2 3 4) (catch e (ex-message e))))
(println (try (map) (catch e (ex-message e))))
(get {:a 1} :a :b :c)
