(defn greet [name]
  (str "hello, " name))

(println (greet "Ada" "Lovelace"))
