;; The design note's schema versioning and partial reconstruction, as written.
(module load :version 2)
(import flow)

(println
  (try
    (try-with
      (fn []
        (deserialize (read-file "checkpoint.bin")))
      (fn [e k]
        (match e
          (schema-mismatch _ old-version) ->
            (throw (error (str "Cannot resume: checkpoint uses version " old-version
                               " but current code is version " (current-version)))))))
    (catch [e] e.message)))

;; Partial reconstruction: a value that fails to deserialize becomes (None)
(def captured-value (bytes [1 2 3]))
(def opt-value
  (try
    (deserialize captured-value)
    (catch [e] (None))))
(println opt-value)
