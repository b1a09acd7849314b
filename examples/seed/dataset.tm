;; The design note's long-running computation that checkpoints every n items.
(defn process [item] (* item item))

(defn analyze-large-dataset [data]
  (defn checkpoint-every-n [n items]
    (let [processed []]
      (for-each-with-index items
        (fn [i item]
          (set! processed (conj processed (process item)))
          (when (= (mod (+ i 1) n) 0)
            ;; Checkpoint every n items
            (cloneable-shift [k]
              (write-file (str "checkpoint-" i ".bin")
                         (serialize k))
              (continue k)))))))

  (checkpoint-every-n 1000 data))

(analyze-large-dataset (range 5000))
(println "done; checkpoints:" (filter file-exists? (map (fn [i] (str "checkpoint-" i ".bin")) [999 1999 2999 3999 4999])))
