; #9 item 13: the staples Clojure users reach for (reductions, take-nth, keep-indexed,
; sorted collections, set functions, printf, namespace), with the values Clojure gives.
(prn (reductions + [1 2 3]) (reductions + 10 [1 2 3]) (reductions + []))
(prn (take-nth 2 [1 2 3 4 5]) (keep-indexed (fn [i x] (when (odd? i) x)) [:a :b :c :d]))

(def scores (sorted-map "carol" 7 "alice" 9))
(def scores (assoc scores "bob" 8))
(prn scores (keys scores) (first scores))
(doseq [[who n] scores] (printf "%s scored %d\n" who n))
(prn (sorted-set 3 1 2) (conj (sorted-set [2] [1 1]) [0]) (sorted? scores) (type-of scores))
(prn (= scores {"alice" 9 "bob" 8 "carol" 7}) (dissoc scores "bob") (into (sorted-set) "hello"))
(prn (union #{1 2} #{3}) (intersection #{1 2 3} #{2 3 4}) (difference #{1 2 3} #{2}))
(prn (union (sorted-set 5 1) #{3}) (subset? #{1} #{1 2}) (superset? #{1} #{1 2}))
(prn (name :ns/kw) (namespace :ns/kw) (namespace :kw) (keyword "a" "b"))

; keys that compare cannot order are an error naming the sorted map
(try (assoc scores :dave 1)
  (catch e (println (ex-message e))))
