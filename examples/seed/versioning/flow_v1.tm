;; Version 1 of a workflow module. Copy it to flow.tm, run save.tm, then replace flow.tm
;; with flow_v2.tm and run load.tm: the checkpoint no longer matches the code.
(module flow :version 1)
(defn step [x] (* x 10))
(defn run [] (+ 1 (step (cloneable-shift [k] k))))
(defn version [] (current-version))
