;; A crash-safe batch job: the workflow that tests/test_checkpoint_crash.py kills and resumes.
;; It writes checkpoint-latest.bin and progress.log in the current directory, so run it in a
;; scratch directory (it lives apart from examples/*.tm, which run from the repository root).
;;
;; It processes the items 1..ITEMS one at a time. After each step it saves the rest of the
;; computation with the stdlib `checkpoint` macro, which writes checkpoint-latest.bin
;; atomically (temporary file, fsync, rename, fsync of the directory), and then appends a line
;; to progress.log. Kill the process at any instant (even with SIGKILL, even while a
;; checkpoint is being written) and
;;
;;     turmeric resume checkpoint-latest.bin
;;
;; continues in a fresh process from just after the last checkpoint that was written, and
;; prints the same result line as an uninterrupted run. Resuming starts before that step's
;; log line, so the line of the last saved step appears twice when the process died after
;; writing it (work done after the last checkpoint is simply done again).
;;
;; Environment (read once, at the start; a resumed run keeps the values saved in the state):
;;   ITEMS    number of items (default 8)
;;   STEP_MS  how long each step takes, in milliseconds (default 50)
;;   BALLAST  size of extra state carried through every checkpoint, in characters (default 0):
;;            a large value makes each checkpoint big, so writing it takes a while (a string:
;;            the checkpoint macro would store a large vector or map apart, once, by hash)
;;
;; The state after each step lives in the saved frames. A plain `turmeric resume` makes the
;; checkpoint return nil and the job goes on with that saved state; a value given with
;; `turmeric resume FILE --value EXPR` replaces it: --value '{:step 3 :total 0}' goes on
;; after step 3 with a total of 0.
(module crash_workflow :version 1)

(defn env-int [name default]
  (parse-int (getenv name (str default))))

(defn work [item step-ms]
  (sleep-ms step-ms)
  (* item item))

(defn run-job [state items step-ms ballast]
  (if (< state.step items)
    (let [item (inc state.step)
          done {:step item :total (+ state.total (work item step-ms))}
          ;; save the rest of the job; a resumed run may be handed a new state
          given (checkpoint "latest" done)
          next (if (nil? given) done given)]
      (spit "progress.log" (str "step " next.step " total " next.total " ballast " (count ballast) "\n")
            :append true)
      (run-job next items step-ms ballast))
    state))

(defn main []
  (let [result (run-job {:step 0 :total 0} (env-int "ITEMS" 8) (env-int "STEP_MS" 50)
                        (apply str (repeat (env-int "BALLAST" 0) "b")))]
    (println "result:" result.step "items, total" result.total)))

(main)
