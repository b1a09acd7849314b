; The part of the core library written in Turmeric. Everything here is an ordinary
; Turmeric function, so continuations can be captured through it and it serializes by name.

(defn comp [& fns]
  (if (empty? fns)
    identity
    (fn [& args]
      (let [rfns (reverse fns)]
        (reduce (fn [v f] (f v)) (apply (first rfns) args) (rest rfns))))))

(defn partial [f & bound]
  (fn [& args] (apply f (concat bound args))))

(defn complement [f]
  (fn [& args] (not (apply f args))))

(defn constantly [v]
  (fn [& args] v))

(defn repeatedly [n f]
  (map (fn [_] (f)) (range n)))

(defn take-while [pred coll]
  (loop [xs (seq coll) out []]
    (if (and xs (pred (first xs)))
      (recur (next xs) (conj out (first xs)))
      (apply list out))))

(defn drop-while [pred coll]
  (loop [xs (seq coll)]
    (if (and xs (pred (first xs)))
      (recur (next xs))
      (if xs (apply list xs) '()))))

(defn juxt [& fns]
  (fn [& args] (mapv (fn [f] (apply f args)) fns)))

(defn iterate-n [f x n]
  (loop [i 0 v x out []]
    (if (< i n) (recur (inc i) (f v) (conj out v)) (apply list out))))

(defmacro checkpoint
  "Save the rest of the computation to checkpoint-NAME.bin (atomically), then go on with VALUE.
  `turmeric resume checkpoint-NAME.bin` continues from here in a fresh process."
  [name value]
  `(cloneable-shift [k#]
     (core/%write-checkpoint (str "checkpoint-" ~name ".bin") k#)
     (continue k# ~value)))

(defclass Serializable [a]
  (serialize [x : a] : bytes)
  (deserialize [b : bytes] : a))

(defclass Resource-Serializable [a]
  (marshal [x : a] : resource-token)
  (unmarshal [token : resource-token] : a))
