;; Seed 003's two workflows, as durable workflows (spec/workflows.md).
;;
;;   turmeric workflow start seed_003.tm checkpointing --id seed
;;   turmeric workflow start seed_003.tm messaging --id msg
;;   turmeric workflow send msg reply 32
;;   turmeric worker --drain
;;
;; `checkpointing` is the seed's first example: a = first(), checkpoint, b = second(),
;; checkpoint, third(a, b). Kill the process while `second` runs (tests/test_workflow.py does,
;; with SIGKILL, when CRASH_IN_SECOND is set) and the next worker resumes from the checkpoint
;; after `first`: `a` is bound to its value (turmeric workflow show prints it), `first` does
;; not run again, `second` runs again with the same (workflow/step-key).
;;
;; `messaging` is the seed's second example: b = recv_msg() waits, for as long as it takes and
;; across restarts, until `turmeric workflow send` delivers the reply.
(import workflow)

(defn first []
  (println "first: a = 10")
  10)

(defn second []
  (println "second: computing b, attempt key" (workflow/step-key))
  (when (and (getenv "CRASH_IN_SECOND") (not (file-exists? "second.started")))
    (write-file "second.started" (workflow/step-key))
    (sleep-ms 60000))                 ; the crash test kills the worker here
  20)

(defn third [a b]
  (println "third:" a "+" b)
  (+ a b))

(defn checkpointing []
  (let [a (workflow/step "first" first)]
    (workflow/checkpoint)
    (let [b (workflow/step "second" second)]
      (workflow/checkpoint)
      (third a b))))

(defn messaging []
  (let [a (workflow/step "first" first)
        b (workflow/await-message :reply)]
    (println "messaging: the reply is" b)
    (third a b)))
