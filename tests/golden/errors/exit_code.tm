; (exit n) ends the program with status n; catch does not stop it.
(println "before")
(try (exit 3) (catch [e] (println "not caught")))
(println "after")
