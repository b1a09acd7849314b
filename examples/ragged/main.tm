; main.tm: run the machine of machine.tm for 20,000 cycles and print a checksum of the
; samples its APU made. A checkpoint is requested at cycle 6000 (RAGGED_CHECKPOINT_AT sets
; another cycle, "none" none); the components snapshot one by one at their own safe points,
; the machine never stops, and machine.ckpt is written when the last one has snapshotted.
;
;   turmeric run main.tm          ; prints the timeline of the checkpoint, then the checksum
;   turmeric resume machine.ckpt  ; restores it in a fresh process: the same checksum
(import ragged)
(import machine)

(def seed 7)
(def cycles 20000)

(defn requests []
  (let [v (getenv "RAGGED_CHECKPOINT_AT" "6000")]
    (if (= v "none") [] [(parse-long v)])))

(defn report [bytes info]
  (println "checkpoint requested at cycle" (:requested info))
  (doseq [[name clock] (sort-by second (:snapshots info))]
    (println "  " name "snapshotted at" clock "and then logged" (get (:log-sizes info) name) "calls"))
  (println "  complete at cycle" (:completed info) "when" (:last info) "snapshotted;"
           (:outputs info) "samples so far; written to" (:file info)))

(defn main []
  (let [r (ragged/run (machine/system seed)
                      (assoc (machine/options seed cycles (requests))
                             :file "machine.ckpt" :on-checkpoint report))]
    (println "samples:" (:outputs r))
    (println "checksum:" (:checksum r))))

(main)
