(import flow)
(write-file "checkpoint.bin" (serialize (cloneable-reset (fn [] (flow/run)))))
(println "saved a run of flow version" (flow/version))
