(defn check-age [age]
  (when (< age 0)
    (throw (error (str "age must not be negative, got " age))))
  age)
(println (check-age 30))
(println (check-age -1))
