; Destructuring in let, fn parameters, doseq and loop: vectors [a b & more :as all], maps {:keys [a] :or {a 1} :as m, name :key}.
(let [[a b & more] [1 2 3 4] {:keys [x y] :or {y 9} :as m} {:x 1}] (println a b more x y m))
(defn f [[k v] {:keys [n]}] (str k "=" v "/" n))
(println (f [:a 1] {:n 2}))
(doseq [[k v] {:a 1 :b 2}] (println k v))
(println (map (fn [[a b]] (+ a b)) [[1 2] [3 4]]))
(let [[x [y z]] [1 [2 3]] {a :alpha} {:alpha 5}] (println x y z a))
(println (loop [[x & xs] [1 2 3] acc 0] (if x (recur xs (+ acc x)) acc)))

; the rest is nil when nothing is left, as in Clojure
(defn count-rest [& more] (if more (count more) :none))
(println (count-rest) (count-rest 1 2))
(let [[a & more] [1]] (println a more))
(defn tail [x & more] (if more (apply tail more) x))
(println (tail 1 2 3))
; keyword arguments through a map pattern on the rest
(defn connect [host & {:keys [port tls] :or {port 80 tls false}}] [host port tls])
(println (connect "h") (connect "h" :port 8080) (connect "h" :tls true :port 443))
(println (try (connect "h" :port) (catch e (:message e))))
