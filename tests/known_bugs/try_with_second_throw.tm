; After (resume k v) in a try-with handler, the resumed computation is no longer under the
; try-with: a second throw escapes as "uncaught throw". Resumable exceptions (and deep
; effect handlers) keep the handler in place for the resumed computation.
(defn ask [question] (throw {:ask question}))
(defn form []
  (let [name (ask "name?")
        age (ask "age?")]
    (str name " is " age)))
(println (try-with form
                   (fn [e k]
                     (resume k (if (= (:ask e) "name?") "Ada" 36)))))
