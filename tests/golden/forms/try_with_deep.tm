; try-with handlers are deep: after (resume k v) the resumed computation is still under
; the try-with, so a second throw reaches the same handler.
(defn ask [question] (throw {:ask question}))
(defn form []
  (let [name (ask "name?")
        age (ask "age?")]
    (str name " is " age)))
(println (try-with form
                   (fn [e k]
                     (resume k (if (= (:ask e) "name?") "Ada" 36)))))
