(module workflow)
; Durable workflows (spec/workflows.md). A workflow is ordinary code run by the engine
; (turmeric workflow start, turmeric worker) under a prompt: each function here that waits
; captures the rest of the workflow with cloneable-shift and hands it to the engine, which
; stores it and resumes it when the message, the timer or the child's result is there.
; The engine of the running session is %engine; outside a workflow it is nil.

(def %engine nil)

(defn %engine-for [who]
  (if (nil? %engine)
    (throw (error (str who ": not inside a workflow (run it with `turmeric workflow start FILE FN` "
                       "or a `turmeric worker`)")))
    %engine))

(defn id
  "The id of the running workflow."
  []
  ((%engine-for "workflow/id") :id))

(defn now
  "The workflows' clock, in epoch seconds (the store's clock, which tests can move ahead)."
  []
  ((%engine-for "workflow/now") :now))

(defn await-message
  "Park until a message on `topic` (a keyword or string) is in this workflow's mailbox;
  return its value. A message that arrived first is waiting there."
  [topic]
  (let [e (%engine-for "workflow/await-message")
        t (e :topic "await-message" topic)]
    (cloneable-shift [k] (e :park :message t k))))

(defn sleep
  "A durable timer: park for `seconds` on the workflows' clock."
  [seconds]
  (let [e (%engine-for "workflow/sleep")
        at (e :wake-after seconds)]
    (cloneable-shift [k] (e :park :timer at k))))

(defn sleep-until
  "A durable timer: park until the workflows' clock reads `epoch-seconds`."
  [epoch-seconds]
  (let [e (%engine-for "workflow/sleep-until")
        at (e :wake-at epoch-seconds)]
    (cloneable-shift [k] (e :park :timer at k))))

(defn checkpoint
  "Commit the workflow's state here and go on: after a crash it resumes from this point."
  []
  (let [e (%engine-for "workflow/checkpoint")]
    (cloneable-shift [k] (e :park :checkpoint nil k))))

(defn step
  "Run (thunk) and journal its result with the workflow's state, so that the workflow never
  runs it again once it returned. Interrupted before that, it runs again, with the same
  (workflow/step-key). The thunk cannot park."
  [name thunk]
  (let [e (%engine-for "workflow/step")
        r (e :step name thunk)]
    (cloneable-shift [k] (e :park :step r k))))

(defn step-key
  "Inside a step's thunk: the step's idempotency key, the same on every attempt."
  []
  ((%engine-for "workflow/step-key") :step-key))

(defn send
  "Send `value` on `topic` to the workflow `id`; delivered once, when this workflow's state
  next commits."
  [id topic value]
  ((%engine-for "workflow/send") :send id topic value))

(defn start
  "Start a child workflow running (f args...); return its id."
  [f & args]
  ((%engine-for "workflow/start") :start f args))

(defn result
  "Park until the child workflow `id` ends; its result, or throw its error."
  [id]
  (let [e (%engine-for "workflow/result")
        t (e :child-topic id)
        r (cloneable-shift [k] (e :park :result t k))]
    (if (= (get r :status) :done)
      (get r :result)
      (throw (error (str "workflow/result: the child workflow " id " "
                         (name (get r :status)) ": " (get r :error)))))))
