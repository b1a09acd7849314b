;; Version 2: `run` changed, so continuations suspended inside it by version 1 are refused.
(module flow :version 2)
(defn step [x] (* x 100))
(defn run [] (+ 2 (step (cloneable-shift [k] k))))
(defn version [] (current-version))
