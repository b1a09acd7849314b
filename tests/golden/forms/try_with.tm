; try-with: the handler gets the thrown value and the continuation k from the throw to
; the try-with; (resume k v) makes the throw return v, and the rest of the thunk runs.
(println (try-with (fn [] (+ 1 (throw :need-a-number)))
                   (fn [e k] (resume k 10))))

; the handler can also just return a value (the thunk is abandoned)
(println (try-with (fn [] (+ 1 (throw :give-up)))
                   (fn [e k] [:handled e])))

; resuming a throw made in a function the thunk called
(defn ask [question] (throw {:ask question}))
(defn greet [] (str "hello, " (ask "name?") "!"))
(println (try-with greet (fn [e k] (resume k (str "Ada (asked " (:ask e) ")")))))

; the same continuation resumed twice
(println (try-with (fn [] (* 2 (throw :x)))
                   (fn [e k] (+ (resume k 1) (resume k 100)))))

; no throw: the thunk's value
(println (try-with (fn [] :fine) (fn [e k] :handler)))

; a builtin's error reaches the handler too, with no continuation to resume
(println (try-with (fn [] (/ 1 0)) (fn [e k] [(ex-message e) k])))
