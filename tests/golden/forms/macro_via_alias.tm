; A macro of a module imported with (import m :as alias) is called as alias/macro.
(import lib.geometry :as g)
(println (g/twice 21))
