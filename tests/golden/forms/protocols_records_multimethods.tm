(defprotocol Describe
  "Things that describe themselves."
  (describe [x] "A short text.")
  (describe-with [x prefix]))
(extend-protocol Describe
  nil (describe [_] "nothing")
      (describe-with [_ p] (str p "nothing"))
  String (describe [s] (str "the string " s))
  Number (describe [n] (str "the number " n))
  Object (describe [x] (str "something: " (pr-str x))))
(println (describe nil) "|" (describe "a") "|" (describe 1) "|" (describe 2.5) "|" (describe :k))
(println (describe-with nil "> "))
(defrecord Circle [r]
  Describe
  (describe [c] (str "circle of radius " r))
  (describe-with [c prefix] (str prefix (describe c))))
(defrecord Rect [w h]
  Describe
  (describe [this] (str w "x" h))
  (describe-with [this w] (str w h)))
(def c (->Circle 2))
(println (describe c) "|" (describe-with c "* ") "|" (describe (map->Rect {:w 3 :h 4})) "|" (describe-with (Rect. 3 4) "W"))
(println c (:r c) c.r (= c (Circle. 2)) (type-of c))
(extend-type Circle
  Describe
  (describe [c] (str "a round thing, r=" (:r c))))
(println (describe c))
(defmulti area (fn [shape] (:kind shape)) :default :unknown)
(defmethod area :circle [{:keys [r]}] (* 3 r r))
(defmethod area :rect [{:keys [w h]}] (* w h))
(defmethod area :unknown [s] (str "no area for " (:kind s)))
(println (area {:kind :circle :r 1}) (area {:kind :rect :w 2 :h 3}) (area {:kind :blob}))
(defmulti combine (fn [a b] [(type-of a) (type-of b)]))
(defmethod combine [:int :int] [a b] (+ a b))
(defmethod combine [:string :string] [a b] (str a b))
(defmethod combine :default [a b] [a b])
(println (combine 1 2) (combine "a" "b") (combine 1 "b"))
(defmulti speak :sound)
(println (try (speak {:sound :moo}) (catch e (ex-message e))))
(println (count (methods combine)) (some? (get-method combine [:int :int])))
(remove-method combine :default)
(println (try (combine 1 "b") (catch e (:dispatch-value (ex-data e)))))
