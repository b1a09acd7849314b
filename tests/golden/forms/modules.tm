; import loads a module once (its top level runs once) and gives access to its
; definitions and macros as name/member; :as gives a shorter alias.
(import lib.geometry)
(import lib.geometry :as g)
(println (lib.geometry/dist2 (lib.geometry/point 3 4) lib.geometry/origin))
(println (g/dist2 (g/point 1 1) g/origin))
(println (lib.geometry/twice 21))
(println (g/point 5 6))
; this module declares no version
(prn (current-version))
; Clojure namespace prefixes name core functions
(println (str/join ", " (clojure.string/split "a b" #" ")) (str/upper-case "x") (clojure.core/inc 1) (s/trim " t "))
(prn (str/reverse "abc") (reverse "abc") (str/capitalize "hELLO") (clojure.core/reverse [1 2]))
