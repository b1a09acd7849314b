; The classic shift/reset examples (Danvy & Filinski; Racket's racket/control), with
; reset = (cloneable-reset (fn [] ...)) and shift k = (cloneable-shift [k] ...),
; (k v) = (resume k v). Each answer is given in the comment before it.
(defmacro reset [& body] `(cloneable-reset (fn [] ~@body)))

; 1 + 2 * (2 * 10) = 41
(println (+ 1 (reset (* 2 (cloneable-shift [k] (resume k (resume k 10)))))))

; the shift body's value becomes the reset's value; k is never called: 5
(println (reset (+ 1 (cloneable-shift [k] 5))))

; k returns the value of the reset around it: k 5 = 6
(println (reset (+ 1 (cloneable-shift [k] (resume k 5)))))

; (k 10) = 11, doubled: 22
(println (reset (+ 1 (cloneable-shift [k] (* 2 (resume k 10))))))

; Danvy & Filinski: 1 + (10 + (10 + 100)) = 121
(println (+ 1 (reset (+ 10 (cloneable-shift [k] (resume k (resume k 100)))))))

; 2 * (2 * 4) = 16
(println (reset (* 2 (cloneable-shift [k] (resume k (resume k 4))))))

; the continuation used in another context: 10 + (k 100) = 10 + 101 = 111
(println (reset (+ 1 (cloneable-shift [k] (+ 10 (resume k 100))))))

; shift escapes: the rest of the list is abandoned
(println (reset (list 1 (cloneable-shift [k] :escaped) 3)))

; multi-shot: (k 2) = (1 2), (k 3) = (1 3)
(println (reset (list 1 (cloneable-shift [k] (concat (resume k 2) (resume k 3))))))

; (cons 'a (k '())) reversed by the shift body: (b a)
(println (reset (cons 'a (cloneable-shift [k] (cons 'b (resume k '()))))))

; nested resets: the shift only captures up to the inner one: 1 + 100 = 101
(println (reset (+ 1 (reset (+ 10 (cloneable-shift [k] 100))))))

; the shift body runs inside the reset: a shift in it captures up to that reset: 100
(println (reset (+ 1 (cloneable-shift [k1] (+ 10 (cloneable-shift [k2] 100))))))

; continue is resume under another name, for use inside a shift body: 2 * 21 = 42
(println (reset (* 2 (cloneable-shift [k] (continue k 21)))))

; resume without a value resumes with nil
(println (reset (list :got (cloneable-shift [k] (resume k)))))

; a reset whose body never shifts is just its body: 3
(println (reset (+ 1 2)))

; a continuation is a value: returned out of its reset, then resumed later
(def k (reset (+ 100 (cloneable-shift [k] k))))
(println k (resume k 1) (resume k 2))

; the prompt of each top-level form: k is the rest of this whole form
(def saved nil)
(println :before (cloneable-shift [k] (set! saved k) :first-time))
(resume saved :again)
