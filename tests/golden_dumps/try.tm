(defn safe-div [a b]
  (try (/ a b)
    (catch [e] (println "caught" (:message e)) 0)))
(println (safe-div 6 3) (safe-div 1 0))
