; macros.tm: defmacro, quasiquote and hygiene.
;
; A macro is a function from code to code, run by the compiler. Its arguments arrive
; unevaluated, as data (lists, symbols, ...), and the code it returns replaces the
; call. Quasiquote ` builds that code: ~x puts a value in, ~@xs splices a list in.

; 1. A new control form: while, written with loop/recur.
(defmacro while [test & body]
  `(loop []
     (when ~test
       ~@body
       (recur))))

(def n 0)
(while (< n 3)
  (println "n is" n)
  (set! n (inc n)))

; 2. Evaluating an argument once: a naive (square x) would compute x twice. The
;    auto-gensym v# makes a fresh name, so it cannot clash with the caller's names.
(defmacro square [x]
  `(let [v# ~x] (* v# v#)))

(def calls 0)
(defn next-number [] (set! calls (inc calls)) 7)
(println "square:" (square (next-number)) "after" calls "call")

; The caller's own v is untouched by the macro's v#:
(def v 5)
(println "square of v:" (square v))

; 3. Code as data: a macro sees the form itself and can also quote it.
(defmacro check [expr]
  `(let [result# ~expr]
     (println (if result# "ok:    " "FAILED:") '~expr)
     result#))
(check (= (+ 1 2) 3))
(check (< 5 (count [1 2 3])))

; 4. gensym in the macro's own code, for names used across several quasiquotes.
(defmacro trace-steps [& steps]
  (let [log (gensym "log")]
    `(let [~log (ref [])]
       ~@(map (fn [step] `(swap! ~log conj [(quote ~step) ~step])) steps)
       (deref ~log))))
(prn (trace-steps (+ 1 1) (str "a" "b") (count "hello")))

; 5. Macros that define things: a function plus its docstring-like description.
(defmacro defn-described [fname description params & body]
  `(do
     (defn ~fname ~params ~@body)
     (def ~(symbol (str (name fname) "-description")) ~description)))
(defn-described double "doubles a number" [x] (* 2 x))
(println (double 21) "-" double-description)

; 6. The seed's checkpoint macro, in memory: capture the rest of the computation,
;    remember it, and carry on at once. Resuming a remembered step runs the rest again.
(def saved (ref {}))
(defmacro checkpoint [label value]
  `(cloneable-shift [k#]
     (swap! saved assoc ~label k#)
     (continue k# ~value)))

(defn pipeline [x]
  (let [a (checkpoint :after-start (* x 10))
        b (checkpoint :after-a (+ a 1))]
    (str "a=" a " b=" b)))
(println (cloneable-reset (fn [] (pipeline 4))))
(println (resume (get @saved :after-a) 1000))
(println (resume (get @saved :after-start) 7))
