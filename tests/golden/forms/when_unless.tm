; when / unless: a test and a body of several forms; nil when the body does not run.
(println (when (> 3 2) (print "ran ") :when))
(prn (when false (println "never")))
(println (unless false (print "ran ") :unless))
(prn (unless true (println "never")))
(prn (when true))
