; defmacro with quasiquote, unquote ~, unquote-splicing ~@, gensym and auto-gensym x#.
(defmacro unless2 [test & body]
  `(if ~test nil (do ~@body)))
(println (unless2 false :ran))
(prn (unless2 true :never))

; the macro sees its arguments unevaluated
(defmacro quote-it [x] `(quote ~x))
(prn (quote-it (+ 1 2)))

; unquote-splicing in the middle of a list and inside a vector
(defmacro middle [& xs] `(list :start ~@xs :end))
(prn (middle 1 2 3))
(prn (middle))
(defmacro as-vec [& xs] `[0 ~@xs])
(prn (as-vec 1 2))

; auto-gensym: t# is the same fresh name everywhere in one quasiquote,
; so it cannot capture the user's t
(defmacro my-or [a b] `(let [t# ~a] (if t# t# ~b)))
(def t :users-t)
(prn (my-or nil t) (my-or 1 t))

; gensym: a fresh symbol made by the macro function itself
(defmacro square [x]
  (let [g (gensym "sq")]
    `(let [~g ~x] (* ~g ~g))))
(def calls 0)
(defn next-n [] (set! calls (inc calls)) 7)
(println (square (next-n)) calls)

; a macro that defines a function
(defmacro defconst [name v] `(defn ~name [] ~v))
(defconst answer 42)
(println (answer))

; macros can use other macros and ordinary functions at expansion time
(defmacro my-when [test & body] `(if ~test (do ~@body) nil))
(defmacro twice [& body] `(do ~@body ~@body))
(twice (my-when true (print "x")))
(println)

; quasiquoted data: maps and nested unquotes
(def k :key)
(prn `{~k ~(+ 1 2)})
(prn `(a (b ~(inc 1)) [c ~@(list 3 4)]))
(prn (symbol? (gensym)) (= (gensym) (gensym)))
