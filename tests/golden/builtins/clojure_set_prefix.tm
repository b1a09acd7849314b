;; #9 item 13: clojure.set/ and set/ name the core set functions; only the string prefixes rename reverse
(println (set/union #{1} #{2}) (clojure.set/difference #{1 2} #{2}) (set/intersection #{1 2} #{2 3}))
(println (str/reverse "ab") (clojure.core/reverse [1 2]))
