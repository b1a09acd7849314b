;; reduce + over map and filter with user functions: a chain a Python programmer writes as
;; functools.reduce(operator.add, map(f, filter(g, xs)), 0).
(defn keep? [x] (= (mod x 3) 0))
(defn square [x] (* x x))
(defn sum-chain [xs] (reduce + 0 (map square (filter keep? xs))))
