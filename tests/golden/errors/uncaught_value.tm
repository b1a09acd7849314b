(struct out-of-stock [item])
(defn order [item] (throw (out-of-stock item)))
(order "tea")
