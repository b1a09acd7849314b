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
         %checkpoint-random (core/%random-state core/%random)
         r# (cloneable-shift [k#]
              (core/%write-checkpoint (str "checkpoint-" ~name ".bin") k#)
              (continue k# %checkpoint-value))]
     ; the default generator's state is saved in the frame and set again after the shift, so
     ; a resumed run draws what the original run drew (rand, rand-int, shuffle; #9 item 13)
     (core/%set-random-state! core/%random %checkpoint-random)
     ; r# either way: the test only keeps %checkpoint-value live in the suspended frame, so
     ; `turmeric resume` without --value can give the checkpointed value back (spec/cli.md)
     (if (core/nil? %checkpoint-value) r# r#)))

(defmacro defmigration
  "Say how a frame of FN saved by the code whose hash is OLD-HASH (a string, as turmeric check
  and inspect show it) maps onto the current code: MIGRATE gets the old frame as data,
  {:function :code-hash :point :site :locals {name value}}, and returns the new one,
  {:point P :locals {name value}}. `turmeric resume --upgrade` runs it (spec/cli.md)."
  [fn-name old-hash migrate]
  `(def ~(symbol (str "%migration-" fn-name "-" old-hash))
     (core/%register-migration ~(str fn-name) ~(str old-hash) ~migrate)))

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

(def %random (random-generator))   ; the session's default generator (a checkpoint saves its state)

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

;; More Clojure staples as macros (#9 item 13; spec/builtins.md): declare, defonce, with-open

(defn %names-only [what names]
  (doseq [n names]
    (when-not (symbol? n)
      (throw (error (str what ": expected a name, got " (pr-str n)))))))

(defmacro declare
  "(declare name...): Clojure's forward declaration. Turmeric resolves a name used before its
  definition already, so this defines nothing (and leaves a name that has a value alone)."
  [& names]
  (%names-only "declare" names)
  nil)

(defmacro defonce
  "(defonce name expr): define name as expr's value unless name already has a value that is
  not nil (a REPL input evaluated again, a restored REPL session); then expr is not evaluated."
  [name expr]
  (%names-only "defonce" [name])
  `(def ~name (let [v# (try ~name (catch e# nil))] (if (nil? v#) ~expr v#))))

(defmacro with-open
  "(with-open [name init ...] body...): bind each name to its init, evaluate body, and close
  the names (close) in reverse order when body is left, also by an error (a finally)."
  [bindings & body]
  (when-not (and (vector? bindings) (even? (count bindings)))
    (throw (error "with-open: expected a vector of name-init pairs [f (open-file ...)]")))
  (%names-only "with-open" (take-nth 2 bindings))
  (if (empty? bindings)
    `(do ~@body)
    `(let [~(first bindings) ~(second bindings)]
       (try (with-open ~(vec (drop 2 bindings)) ~@body)
         (finally (core/close ~(first bindings)))))))

;; Clojure 1.11 functions the differential suite found missing (#9 item 12; spec/builtins.md)

(defn update-vals
  "The map m with f applied to each value (a sorted map stays sorted)."
  [m f]
  (reduce-kv (fn [acc k v] (assoc acc k (f v))) (or m {}) m))

(defn update-keys
  "A map of m's entries with f applied to each key."
  [m f]
  (reduce-kv (fn [acc k v] (assoc acc (f k) v)) {} m))

(defn rseq
  "The items of a vector or sorted collection in reverse order, as a list; nil when empty."
  [coll]
  (when (seq coll) (reverse coll)))

(defn parse-boolean
  "true for \"true\", false for \"false\", nil for any other string."
  [s]
  (when-not (string? s)
    (throw (error (str "parse-boolean: expected a string, got " (pr-str s)))))
  (case s "true" true "false" false nil))

;; Clojure 1.11 staples found missing by trying Clojure programs (spec/builtins.md)

(defn comparator [pred]
  (fn [a b] (cond (pred a b) -1 (pred b a) 1 :else 0)))

(defn array-map [& kvs] (apply hash-map kvs))

(defn rename-keys [m renames]
  (reduce-kv (fn [acc old new]
               (if (contains? m old) (assoc acc new (get m old)) acc))
             (apply dissoc m (keys renames)) renames))

(defn map-invert [m]
  (reduce-kv (fn [acc k v] (assoc acc v k)) {} m))

;; Clojure's protocols, records and multimethods, written over defclass, instance and struct
;; (spec/language.md §9, "Protocols, records and multimethods")

;; Clojure's (Java's) type names -> the Turmeric type names an instance is given for
(def %clojure-types
  {'Object '[any] 'java.lang.Object '[any]
   'String '[string] 'java.lang.String '[string] 'CharSequence '[string]
   'Long '[int] 'Integer '[int] 'Short '[int] 'Byte '[int] 'BigInteger '[int]
   'java.lang.Long '[int] 'java.lang.Integer '[int] 'clojure.lang.BigInt '[int]
   'Double '[float] 'Float '[float] 'java.lang.Double '[float]
   'Number '[int float] 'java.lang.Number '[int float]
   'Boolean '[bool] 'java.lang.Boolean '[bool]
   'Keyword '[keyword] 'clojure.lang.Keyword '[keyword]
   'Symbol '[symbol] 'clojure.lang.Symbol '[symbol]
   'IPersistentVector '[vector] 'PersistentVector '[vector]
   'clojure.lang.IPersistentVector '[vector] 'clojure.lang.PersistentVector '[vector]
   'IPersistentMap '[map] 'clojure.lang.IPersistentMap '[map] 'clojure.lang.PersistentHashMap '[map]
   'clojure.lang.PersistentArrayMap '[map] 'java.util.Map '[map]
   'IPersistentSet '[set] 'clojure.lang.IPersistentSet '[set] 'clojure.lang.PersistentHashSet '[set]
   'java.util.Set '[set]
   'ISeq '[list] 'IPersistentList '[list] 'clojure.lang.ISeq '[list]
   'clojure.lang.IPersistentList '[list] 'clojure.lang.PersistentList '[list]
   'clojure.lang.Sequential '[list vector] 'java.util.List '[list vector]
   'clojure.lang.IPersistentCollection '[list vector map set] 'java.util.Collection '[list vector set]
   'IFn '[fn] 'Fn '[fn] 'clojure.lang.IFn '[fn] 'clojure.lang.Fn '[fn]})

(defn %type-names [t]
  (if (nil? t) [(symbol "nil")] (get %clojure-types t [t])))

(defn %by-head [forms]
  "T (m [x] ...) (n [x] ...) U (m [x] ...) -> [[T [(m ...) (n ...)]] [U [(m ...)]]]: a
  symbol (or nil, the type) starts a group."
  (reduce (fn [groups f]
            (if (or (symbol? f) (nil? f))
              (conj groups [f []])
              (update-in groups [(dec (count groups)) 1] conj f)))
          [] forms))

(defn %method-arities [impls wrap]
  "(m [x] a) (m [x y] b) -> (m ([x] a) ([x y] b)), each body passed through wrap."
  (map (fn [[method arities]]
         `(~method ~@(map (fn [impl] (wrap (second impl) (drop 2 impl))) arities)))
       (group-by first impls)))

(defn %plain-arity [params body] `(~params ~@body))

(defn %instances [type-groups wrap]
  "(instance P T ...) forms for [[P T impls] ...]."
  (mapcat (fn [[p t impls]]
            (map (fn [tn] `(instance ~p ~tn ~@(%method-arities impls wrap))) (%type-names t)))
          type-groups))

(defmacro defprotocol
  "(defprotocol P doc? (method [this args...] doc?) ...): a class whose methods dispatch on
  the type of their first argument (defclass)."
  [pname & specs]
  `(defclass ~pname [a]
     ~@(map (fn [spec] (list (first spec) (first (filter vector? (rest spec)))))
            (filter list? specs))))

(defmacro extend-type
  "(extend-type T P (method [this ...] body) ... Q ...): T's instances of P, Q, ..."
  [t & specs]
  `(do ~@(%instances (map (fn [[p impls]] [p t impls]) (%by-head specs)) %plain-arity)))

(defmacro extend-protocol
  "(extend-protocol P T (method [this ...] body) ... U ...): the instances of P for T, U, ..."
  [p & specs]
  `(do ~@(%instances (map (fn [[t impls]] [p t impls]) (%by-head specs)) %plain-arity)))

(defn %record-arity [fields]
  "A method of a record sees the record's fields by name, unless a parameter has that name."
  (fn [params body]
    (let [this (gensym "this")
          shadowed (set (filter symbol? params))
          binds (mapcat (fn [f] [f (list (keyword (name f)) this)]) (remove shadowed fields))]
      `([~this ~@(rest params)] (let [~(first params) ~this ~@binds] ~@body)))))

(defmacro defrecord
  "(defrecord R [field ...] P (method [this ...] body) ...): the struct R, its constructors
  ->R and map->R, and its instances of the protocols named."
  [rname fields & specs]
  (let [m (gensym "m")]
    `(do (defn ~(symbol (str "->" rname)) ~fields (~rname ~@fields))
         (defn ~(symbol (str "map->" rname)) [~m]
           (~rname ~@(map (fn [f] `(get ~m ~(keyword (name f)))) fields)))
         ~@(%instances (map (fn [[p impls]] [p rname impls]) (%by-head specs))
                       (%record-arity fields))
         (struct ~rname ~fields))))

(defn %multi-table [mname] (symbol (str mname "--methods")))

(defn %multi-call [mname table dispatch default args]
  (let [v (apply dispatch args)
        method (get table v (get table default))]
    (if (nil? method)
      (throw (ex-info (str "no method in multimethod " mname " for dispatch value " (pr-str v))
                      {:multimethod mname :dispatch-value v}))
      (apply method args))))

(defmacro defmulti
  "(defmulti name doc? attr-map? dispatch-fn :default value?): a function that calls the
  method (defmethod) whose dispatch value equals (dispatch-fn args...), else the :default one."
  [mname & options]
  (let [opts (drop-while (fn [x] (or (string? x) (map? x))) options)
        default (get (apply hash-map (rest opts)) :default :default)
        args (gensym "args")]
    `(do (def ~(%multi-table mname) (atom {}))
         (defn ~mname [& ~args]
           (%multi-call '~mname (deref ~(%multi-table mname)) ~(first opts) ~default ~args)))))

(defmacro defmethod
  "(defmethod name dispatch-value [params] body...): the method for that dispatch value."
  [mname dispatch-value & fn-tail]
  `(swap! ~(%multi-table mname) assoc ~dispatch-value (fn ~(symbol (str mname "-method")) ~@fn-tail)))

(defmacro remove-method [mname dispatch-value]
  `(swap! ~(%multi-table mname) dissoc ~dispatch-value))

(defmacro methods [mname] `(deref ~(%multi-table mname)))

(defmacro get-method [mname dispatch-value] `(get (deref ~(%multi-table mname)) ~dispatch-value))

;; Transients. Turmeric's collections are persistent and every conj/assoc is already cheap,
;; so a transient is the collection itself and the ! functions are the persistent ones: code
;; that uses their return values, as Clojure requires, gets Clojure's answers.
(defn transient "A transient of coll: coll itself (spec/builtins.md)." [coll] coll)
(defn persistent! "The persistent collection of a transient: coll itself." [coll] coll)
(defn conj!
  ([] [])
  ([coll] coll)
  ([coll x] (conj coll x)))
(defn assoc! [m k v & kvs] (apply assoc m k v kvs))
(defn dissoc! [m & ks] (apply dissoc m ks))
(defn disj! [s & xs] (apply disj s xs))
(defn pop! [coll] (pop coll))

(defn %instance-of? [names x]
  (let [t (name (type-of x))]
    (boolean (some (fn [n] (if (= (name n) "any") (some? x) (= (name n) t))) names))))

(defmacro instance?
  "(instance? C x): whether x's type is C, a record or struct name or one of the Clojure
  (Java) type names extend-type takes (String, Long, Number, IPersistentMap, Object, ...)."
  [c x]
  `(core/%instance-of? '~(%type-names c) ~x))

;; Early termination and transducers, as Clojure's. (reduced x) is a box that reduce,
;; transduce and the transducers stop at; a transducer is a function from a reducing
;; function to a reducing function, so comp composes them. A one-argument call of map,
;; filter, remove, keep, mapcat, take, drop, take-while, drop-while, map-indexed, distinct,
;; dedupe, partition-all or interpose is the transducer %NAME-xf below (the analyzer
;; redirects the call), and (into to xform from) is %into-xf.
;; (reduced x) is the core struct `reduced` (runtime/core_structs.py), which reduce checks
(defn reduced? "Whether x is a (reduced v)." [x] (= (type-of x) :reduced))
(defn unreduced "The v of a (reduced v); x itself if it is none." [x] (if (reduced? x) (:value x) x))
(defn ensure-reduced "x if it is a reduced value, else (reduced x)." [x] (if (reduced? x) x (reduced x)))

(defn %reduce-preserving [rf acc coll]
  "Reduce with rf until coll ends or a step is reduced; a reduced result stays reduced, so
  the reduce that called this (cat's caller) stops too."
  (loop [acc acc xs (seq coll)]
    (if (and xs (not (reduced? acc)))
      (recur (rf acc (first xs)) (next xs))
      acc)))

(defn completing
  "f with a one-argument arity (completion): identity, or cf."
  ([f] (completing f identity))
  ([f cf] (fn ([] (f)) ([x] (cf x)) ([x y] (f x y)))))

(defn transduce
  "Reduce coll with (xform f) from init (default (f)), stopping at a reduced step, then
  complete the result with f's one-argument arity."
  ([xform f coll] (transduce xform f (f) coll))
  ([xform f init coll]
   (let [rf (xform f)]
     (rf (unreduced (%reduce-preserving rf init coll))))))

(defn sequence
  "coll's items as a sequence (() when none); with xform, the items (xform conj) makes, as a list."
  ([coll] (if (seq coll) (seq coll) ()))
  ([xform coll] (apply list (transduce xform conj [] coll))))

(defn cat "The transducer that concatenates the collections it is given." [rf]
  (fn ([] (rf)) ([acc] (rf acc)) ([acc coll] (%reduce-preserving rf acc coll))))

(defn %map-xf [f]
  (fn [rf] (fn ([] (rf)) ([acc] (rf acc)) ([acc x] (rf acc (f x))))))

(defn %filter-xf [pred]
  (fn [rf] (fn ([] (rf)) ([acc] (rf acc)) ([acc x] (if (pred x) (rf acc x) acc)))))

(defn %remove-xf [pred] (%filter-xf (complement pred)))

(defn %keep-xf [f]
  (fn [rf] (fn ([] (rf)) ([acc] (rf acc))
             ([acc x] (let [v (f x)] (if (nil? v) acc (rf acc v)))))))

(defn %mapcat-xf [f] (comp (%map-xf f) cat))

;; A stateful transducer keeps its state in the accumulator, wrapped in an %xf-state that
;; only it opens (its tag is its own), not in an atom: an atom is shared by every resume of a
;; continuation captured inside a step, so resuming it twice would go on with the state the
;; first resume left. (step rf acc state x) -> [acc state]; (complete rf acc state) -> acc.
(struct %xf-state [tag acc state])

(defn %stateful-xf
  ([init step] (%stateful-xf init step (fn [rf acc state] (rf acc))))
  ([init step complete]
   (fn [rf]
     (let [tag (gensym "xf")
           open (fn [acc]
                  (if (and (= (type-of acc) :%xf-state) (= (:tag acc) tag))
                    [(:acc acc) (:state acc)]
                    [acc init]))]
       (fn ([] (rf))
         ([acc] (let [[a s] (open acc)] (complete rf a s)))
         ([acc x] (let [[a s] (open acc)
                        [a2 s2] (step rf a s x)]
                    (if (reduced? a2)
                      (reduced (%xf-state tag (unreduced a2) s2))
                      (%xf-state tag a2 s2)))))))))

(defn %take-xf [n]
  (%stateful-xf n (fn [rf acc left x]
                    (let [acc (if (pos? left) (rf acc x) acc)
                          left (dec left)]
                      [(if (pos? left) acc (ensure-reduced acc)) left]))))

(defn %drop-xf [n]
  (%stateful-xf n (fn [rf acc left x] [(if (pos? left) acc (rf acc x)) (dec left)])))

(defn %take-while-xf [pred]
  (fn [rf] (fn ([] (rf)) ([acc] (rf acc))
             ([acc x] (if (pred x) (rf acc x) (reduced acc))))))

(defn %drop-while-xf [pred]
  (%stateful-xf true (fn [rf acc dropping x]
                       (if (and dropping (pred x)) [acc true] [(rf acc x) false]))))

(defn %map-indexed-xf [f]
  (%stateful-xf 0 (fn [rf acc i x] [(rf acc (f i x)) (inc i)])))

(defn %distinct-xf []
  (%stateful-xf #{} (fn [rf acc seen x]
                      (if (contains? seen x) [acc seen] [(rf acc x) (conj seen x)]))))

(defn %dedupe-xf []
  ;; [] until the first item, then [the previous item]: no item is equal to []'s nothing
  (%stateful-xf [] (fn [rf acc prev x]
                     [(if (and (seq prev) (= (first prev) x)) acc (rf acc x)) [x]])))

(defn %partition-all-xf [n]
  (%stateful-xf [] (fn [rf acc buf x]
                     (let [b (conj buf x)]
                       (if (= (count b) n) [(rf acc b) []] [acc b])))
                (fn [rf acc buf]
                  (rf (if (empty? buf) acc (unreduced (rf acc buf)))))))

(defn %interpose-xf [sep]
  (%stateful-xf false (fn [rf acc started x]
                        (if started
                          (let [acc (rf acc sep)] [(if (reduced? acc) acc (rf acc x)) true])
                          [(rf acc x) true]))))

(defn %into-xf [to xform from] (transduce xform conj to from))

(defmacro with-out-str
  "The text that body writes to standard output (print, println, prn, printf ...), as a
  string; the output goes nowhere else. Nested ones each get their own."
  [& body]
  `(let [buf# (core/%push-output)]
     ; finally: an error in body goes on unchanged, with standard output given back
     (try (do ~@body) (finally (core/%pop-output buf#)))
     (core/%pop-output buf#)))
