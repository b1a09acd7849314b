(prn (update-vals {:a 1 :b 2} inc) (update-keys {:a 1} name) (parse-boolean "true") (parse-boolean "x"))
(require (quote [clojure.set]))
(prn (sort (comparator >) [1 3 2]) (array-map :b 2 :a 1) (clojure.set/rename-keys {:a 1 :b 2} {:a :b}) (clojure.set/map-invert {:a 1}))
(prn (update-vals (sorted-map :b 1 :a 2) inc))
