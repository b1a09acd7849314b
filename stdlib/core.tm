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

(defmacro lazy-seq
  "A lazy sequence: body runs once, when the sequence is first read, and gives a sequence
  or nil (spec/language.md, Lazy sequences)."
  [& body]
  `(core/%lazy-seq (fn [] ~@body)))

(defn repeatedly
  ([f] (%lazy-repeatedly f))
  ([n f] (map (fn [_] (f)) (range n))))

(defn take-while [pred coll]
  (if (%lazy? coll)
    (%lazy-take-while pred coll)
    (loop [xs (seq coll) out []]
    (if (and xs (pred (first xs)))
      (recur (next xs) (conj out (first xs)))
      (apply list out)))))

(defn drop-while [pred coll]
  (if (%lazy? coll)
    (%lazy-drop-while pred coll)
    (loop [xs (seq coll)]
      (if (and xs (pred (first xs)))
        (recur (next xs))
        (if xs (apply list xs) '())))))

(defn juxt [& fns]
  (fn [& args] (mapv (fn [f] (apply f args)) fns)))

(defn iterate-n [f x n]
  (loop [i 0 v x out []]
    (if (< i n) (recur (inc i) (f v) (conj out v)) (apply list out))))

(defmacro checkpoint
  "Save the rest of the computation to checkpoint-NAME.bin (atomically), then go on with VALUE.
  `turmeric resume checkpoint-NAME.bin` continues from here in a fresh process, with VALUE
  again (or the value of --value EXPR)."
  [name value]
  `(let [%checkpoint-value ~value
         r# (cloneable-shift [k#]
              (core/%write-checkpoint (str "checkpoint-" ~name ".bin") k#)
              (continue k# %checkpoint-value))]
     ; r# either way: the test only keeps %checkpoint-value live in the suspended frame, so
     ; `turmeric resume` without --value can give the checkpointed value back (spec/cli.md)
     (if (core/nil? %checkpoint-value) r# r#)))

(defclass Serializable [a]
  (serialize [x : a] : bytes)
  (deserialize [b : bytes] : a))

(defclass Resource-Serializable [a]
  (marshal [x : a] : resource-token)
  (unmarshal [token : resource-token] : a))

(defn mapcat [f & colls]
  (if (some %lazy? colls)
    (%concat-seqs (apply map f colls))
    (apply concat (apply map f colls))))

(defn keep [f coll]
  (if (%lazy? coll)
    (%lazy-keep f coll)
    (remove nil? (map f coll))))

(defn filterv [pred coll]
  (vec (filter pred coll)))

(defn update-in [m ks f & args]
  (let [k (first ks)]
    (if (next ks)
      (assoc m k (apply update-in (get m k) (rest ks) f args))
      (assoc m k (apply f (get m k) args)))))

(defn merge-with [f & maps]
  (reduce (fn [acc m]
            (reduce (fn [a [k v]] (if (contains? a k) (assoc a k (f (get a k) v)) (assoc a k v)))
                    (or acc {}) m))
          nil (remove nil? maps)))

(defn every-pred [& preds]
  (fn [& xs] (every? (fn [x] (every? (fn [p] (p x)) preds)) xs)))

(defn some-fn [& preds]
  (fn [& xs] (some (fn [x] (some (fn [p] (p x)) preds)) xs)))

(defn max-key [k x & more]
  (reduce (fn [a b] (if (>= (k b) (k a)) b a)) x more))

(defn min-key [k x & more]
  (reduce (fn [a b] (if (<= (k b) (k a)) b a)) x more))

(defn fnil [f default]
  (fn [x & args] (apply f (if (nil? x) default x) args)))

(defn memoize [f]
  (let [cache (ref {})]
    (fn [& args]
      (let [key (vec args)]
        (if (contains? (deref cache) key)
          (get (deref cache) key)
          (let [v (apply f args)]
            (ref-set! cache (assoc (deref cache) key v))
            v))))))

(defn trampoline [f & args]
  (loop [r (apply f args)]
    (if (fn? r) (recur (r)) r)))

(defn atom [v] (ref v))

(defn reset! [r v] (ref-set! r v))

(defn reduce-kv [f init m]
  (reduce (fn [acc [k v]] (f acc k v)) init m))

(defn not-any? [pred coll] (not (some pred coll)))

(defn not-every? [pred coll] (not (every? pred coll)))

(defn split-with [pred coll] [(take-while pred coll) (drop-while pred coll)])

(defn partition-by [f coll]
  (loop [xs (seq coll) out [] run [] key nil]
    (if xs
      (let [x (first xs) k (f x)]
        (if (or (empty? run) (= k key))
          (recur (next xs) out (conj run x) k)
          (recur (next xs) (conj out (apply list run)) [x] k)))
      (apply list (if (empty? run) out (conj out (apply list run)))))))

(defn run! [f coll]
  (for-each f coll)
  nil)

(defn %comparison [f]
  "Clojure's rule for a function used as a comparator: a number is the order itself; else
  (f a b) true means a first, (f b a) true means b first, neither means equal."
  (fn [a b]
    (let [r (f a b)]
      (cond (number? r) r
            r -1
            (f b a) 1
            :else 0))))

(defn %sort-with [cmp coll]
  "A stable merge sort by the comparator cmp (written in Turmeric, so cmp may capture)."
  (let [v (vec coll) n (count v)]
    (if (< n 2)
      (apply list v)
      (let [h (quot n 2)]
        (loop [l (%sort-with cmp (subvec v 0 h)) r (%sort-with cmp (subvec v h n)) out []]
          (cond (empty? l) (apply list (into out r))
                (empty? r) (apply list (into out l))
                (<= (cmp (first l) (first r)) 0) (recur (rest l) r (conj out (first l)))
                :else (recur l (rest r) (conj out (first r)))))))))

(defn sort
  ([coll] (%sort coll))
  ([comparator coll] (%sort-with (%comparison comparator) coll)))

(defn sort-by
  ([keyfn coll] (%sort-by keyfn coll))
  ([keyfn comparator coll]
   (let [cmp (%comparison comparator)]
     (%sort-with (fn [x y] (cmp (keyfn x) (keyfn y))) coll))))

(defn reductions
  ([f coll]
   (if (seq coll)
     (reductions f (first coll) (rest coll))
     (list (f))))
  ([f init coll]
   (loop [acc init xs (seq coll) out [init]]
     (if xs
       (let [acc (f acc (first xs))]
         (recur acc (next xs) (conj out acc)))
       (apply list out)))))

(defn keep-indexed [f coll]
  (loop [i 0 xs (seq coll) out []]
    (if xs
      (let [v (f i (first xs))]
        (recur (inc i) (next xs) (if (nil? v) out (conj out v))))
      (apply list out))))

(def %random (random-generator))   ; the session's default generator (not saved in checkpoints)

(defn set-random-seed!
  "Reseed the session's default generator: the same seed, the same numbers."
  [seed]
  (%reseed! %random seed))

(defn rand
  ([] (%rand %random 1.0))
  ([n] (%rand %random n))
  ([n generator] (%rand generator n)))

(defn rand-int
  ([n] (%rand-int %random n))
  ([n generator] (%rand-int generator n)))

(defn rand-nth
  ([coll] (%rand-nth %random coll))
  ([coll generator] (%rand-nth generator coll)))

(defn shuffle
  ([coll] (%shuffle %random coll))
  ([coll generator] (%shuffle generator coll)))

;; Clojure staples written as macros (spec/language.md, "Derived forms in the core library")

(defmacro doto
  "Evaluate x, call each form with it as the first argument, and give back x."
  [x & forms]
  (let [g (gensym "doto")]
    `(let [~g ~x]
       ~@(map (fn [f] (if (list? f) `(~(first f) ~g ~@(rest f)) `(~f ~g))) forms)
       ~g)))

(defmacro as->
  "Bind name to expr, then to each form's value in turn; the last form's value."
  [expr name & forms]
  `(let [~name ~expr
         ~@(mapcat (fn [f] [name f]) forms)]
     ~name))

(defmacro if-some
  "(if-some [x test] then else): then with x bound when test is not nil (false counts)."
  [bindings then & else]
  (let [g (gensym "some")]
    `(let [~g ~(second bindings)]
       (if (nil? ~g) (do ~@else) (let [~(first bindings) ~g] ~then)))))

(defmacro when-some
  "(when-some [x test] body...): body with x bound when test is not nil."
  [bindings & body]
  `(if-some ~bindings (do ~@body) nil))

(defmacro when-first
  "(when-first [x coll] body...): body with x bound to the first item, when coll has one."
  [bindings & body]
  (let [g (gensym "coll")]
    `(let [~g ~(second bindings)]
       (when (seq ~g) (let [~(first bindings) (first ~g)] ~@body)))))

(defmacro defn-
  "defn; Turmeric has no private names, so it is defn."
  [name & more]
  `(defn ~name ~@more))
