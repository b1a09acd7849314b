; #9 item 12: floats, infinities, compare, max/min ties and split as Clojure 1.11 gives them;
; control characters print as \uXXXX (a deliberate difference: spec/language.md).
(println 1e7 0.0001 0.001 123.0 1234567.0 1.5e300 -2.5e-7 (* 1.0 10000000))
(prn (str ##Inf) (str ##-Inf) (str ##NaN) [##Inf ##NaN] (str "x" 1e21))
(prn (read-string (pr-str 1e21)) (= 1e-4 (read-string (str 1e-4))))
(prn "bell\u0007" "esc\u001b[0m" "\u0000 tab\t")
(prn (compare [1 2 3] [2]) (compare "a" "c") (compare "abc" "ab") (compare :a/b :b))
(prn (sort [[1 2 3] [2] [1 2]]) (sort [:b :a/z :a]))
(prn (max 1 1.0) (max 1.0 1) (min 1 1.0) (max 1 ##NaN))
(prn (split "" #",") (split ",,," #",") (split "abc" ","))
(prn (format "%s|%.1f|%r" 1e7 1e7 1e-5))
