; (comp) with no functions is identity in Clojure; stdlib/core.tm's comp calls
; (apply (first rfns) args) with (first rfns) = nil: "a nil is not a function".
(println ((comp) 7))
