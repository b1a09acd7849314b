; = is structural (lists and vectors with equal items are equal); < > <= >= compare numbers;
; compare orders numbers, strings, keywords and vectors.
(prn (= [1 2] [1 2]) (= [1 2] '(1 2)) (= {:a [1]} {:a [1]}) (= nil false) (= 1) (= 1 1 1))
(prn (= "a" "a") (= :a :a) (= 'a 'a) (= #{1 2} #{2 1}) (= {:a 1 :b 2} {:b 2 :a 1}))
(prn (not= 1 2) (not= 1 1))
(prn (< 1 2 3) (< 1 3 2) (> 3 2 1) (<= 1 1 2) (>= 2 2 1) (< 1) (< 1 1.5))
(prn (neg? (compare 1 2)) (pos? (compare "b" "a")) (compare :a :a) (neg? (compare [1 2] [1 3])))
(def zero 0)
(def empty-string "")
(prn (not zero) (not nil) (not false) (not empty-string))
(prn (identity :a) (= (hash [1 2]) (hash '(1 2))) (int? (hash "x")))
(prn (try (apply < [1 "2"]) (catch [e] (ex-message e))))
(prn (try (< 1 "2") (catch [e] (ex-message e))))
