; an error that leaves a try with a finally runs the cleanup, then is the same error (#9 item 13)
(defn parse [s]
  (try (+ 1 s)
    (catch ArithmeticException e :never)
    (finally (println "closing"))))
(parse "x")
