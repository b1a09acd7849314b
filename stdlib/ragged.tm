; ragged.tm: ragged checkpoints of a system of components (spec/ragged.md).
;
; A system is a set of named components. Each is a fiber (its own continuation, under its
; own prompt) with methods that other components call. A shared synchronous clock: each
; component has a local time, advanced by (step n), and the scheduler always runs the
; component that is furthest behind. A checkpoint request never stops the system: each
; component snapshots itself at its own next (safe-point) and from then on records its
; interface calls; when the last one has snapshotted, the snapshots and logs are written to
; one file atomically. Restoring replays each lagging component alone from its log until it
; has caught up, then everything continues in pass-through mode.
;
; Import it as (import ragged): the macro defports expands to names qualified ragged/.

(module ragged :version 1)

; -- the running system (one per session at a time) --------------------------------------
; Pass-through mode is the state %live = true: no checkpoint in progress and no replay. The
; ports of defports are then the components' own methods, so an interface call costs what a
; plain call costs; the other modes swap in recording or replaying ports (at a request, a
; completion, and around a replay) and each component changes its own mode only at a safe
; point.

(def %live true)          ; every interface call is a plain call
(def %requested false)    ; a checkpoint is in progress (requested, not yet complete)
(def %replaying false)    ; a lagging component is catching up, alone
(def %current nil)        ; the name of the running component
(def %clock 0)            ; the running component's local time
(def %limit 0)            ; it runs on while %clock <= %limit, then yields
(def %names [])           ; component names, in the order of the system map
(def %index {})           ; name -> position
(def %clocks [])          ; each component's local time (the running one's is %clock)
(def %ks [])              ; each component's continuation, :start, or nil once it returned
(def %runs {})            ; name -> the component's :run function (until it starts)
(def %methods {})         ; name -> {method fn}: components and devices
(def %modes {})           ; name -> :live or :record, while a checkpoint is in progress
(def %logs {})            ; name -> vector of entries, while a checkpoint is in progress
(def %snaps {})           ; name -> snapshot bytes, while a checkpoint is in progress
(def %snap-clocks {})     ; name -> the local time of its snapshot
(def %log-limit 100000)   ; entries one component may log before the checkpoint gives up
(def %on-log-full :error) ; :error (throw) or :abandon (drop the checkpoint, run on)
(def %request-clock nil)
(def %bind-ports nil)     ; the defports binder of the running system, or nil
(def %until nil)
(def %requests [])        ; system times at which a checkpoint is requested, ascending
(def %pending nil)        ; a checkpoint requested by (request-checkpoint), not yet begun
(def %outer nil)          ; the continuation of the call of run: what a checkpoint resumes
(def %opts {})
(def %make nil)
(def %done-checkpoints [])
; the output sink: the outside world, not a component
(def %out-count 0)
(def %checksum 0)
(def %trace nil)          ; a vector when the run keeps a trace, else nil
(def %on-output nil)
(def %suppressed 0)       ; outputs not emitted again while catching up
; replay of one component
(def %replay-log [])
(def %replay-pos 0)

(def %modulus 4294967311)

; -- what components call -----------------------------------------------------------------

(defn now [] %clock)

(defn self [] %current)

(defn step
  "Advance the running component's clock by n (an integer >= 0); yield to the scheduler when
  it is no longer the component furthest behind."
  [n]
  (set! %clock (+ %clock n))
  (when (> %clock %limit)
    (cloneable-shift [k] [:yield k])))

(defn safe-point
  "Where the running component may be snapshotted: if a checkpoint is in progress and this
  component has not snapshotted yet, it snapshots here and records from now on."
  []
  (when %requested
    (when (= (get %modes %current) :live)
      (cloneable-shift [k] [:snap k]))))

(defn request-checkpoint
  "Ask for a checkpoint; it begins when the running component next yields. Ignored while one
  is in progress."
  []
  (when (not (or %requested %replaying)) (set! %pending true))
  nil)

(defn emit
  "Send v (an integer) to the system's output: folded into the checksum, kept in the trace,
  passed to :on-output. While a component catches up, outputs it already emitted before the
  checkpoint are suppressed."
  [v]
  (if %replaying
    (set! %suppressed (inc %suppressed))
    (do
      (when (not (int? v))
        (throw (ex-info (str "ragged/emit: outputs are integers, got " (pr-str v))
                        {:ragged/error :output :value v})))
      (set! %out-count (inc %out-count))
      (set! %checksum (mod (+ (* %checksum 31) v (* 7 %out-count)) %modulus))
      (when %trace (set! %trace (conj %trace [%clock %current v %checksum])))
      (when %on-output (%on-output %clock %current v))
      nil)))

(defn %method [target method]
  (let [ms (get %methods target)
        f (get ms method)]
    (if (some? f) f (%no-method target method ms))))

(defn %no-method [target method ms]
  (let []
    (when (nil? ms)
      (throw (ex-info (str "ragged/call: there is no component or device " (pr-str target))
                      {:ragged/error :unknown :target target :known (keys %methods)})))
    (let [f (get ms method)]
      (when (nil? f)
        (throw (ex-info (str "ragged/call: " (pr-str target) " has no method " (pr-str method))
                        {:ragged/error :unknown :target target :method method :known (keys ms)})))
      f)))

(defn %call0 [target method]
  (if %live ((%method target method)) (%call-slow target method [])))
(defn %call1 [target method a]
  (if %live ((%method target method) a) (%call-slow target method [a])))
(defn %call2 [target method a b]
  (if %live ((%method target method) a b) (%call-slow target method [a b])))
(defn %calln [target method args]
  (if %live (apply (%method target method) args) (%call-slow target method (vec args))))

(defmacro call
  "An interface call: (call :apu :read addr) runs the method :read of the component :apu
  with addr and returns its value. (A macro: one fixed-arity function per argument count.)"
  [target method & args]
  (case (count args)
    0 `(ragged/%call0 ~target ~method)
    1 `(ragged/%call1 ~target ~method ~(first args))
    2 `(ragged/%call2 ~target ~method ~(first args) ~(second args))
    `(ragged/%calln ~target ~method [~@args])))

(defmacro defports
  "(defports bind [apu-read :apu :read] ...) defines each NAME as a global of this module
  that calls the method, and bind, the function to pass as :ports to run. In pass-through
  mode NAME is the method itself, so (apu-read addr) costs a plain call."
  [binder & ports]
  (let [resolve (gensym "resolve")]
    `(do
       ~@(map (fn [p] `(def ~(first p) nil)) ports)
       (defn ~binder [~resolve]
         ~@(map (fn [p] `(set! ~(first p) (~resolve ~(nth p 1) ~(nth p 2)))) ports)
         nil))))

(defn %live-port [target method] (%method target method))

(defn %slow-port [target method]
  (%method target method)
  (fn [& args] (%call-slow target method (vec args))))

(defn %bind! [live?]
  (when %bind-ports (%bind-ports (if live? %live-port %slow-port))))

; -- record and replay --------------------------------------------------------------------

(defn %call-slow [target method args]
  (cond
    (= target %current) (apply (%method target method) args)
    %replaying (%replay-out target method args)
    :else
    (let [caller %current
          r (apply (%method target method) args)]
      (when (= (get %modes caller) :record)
        (%log! caller [:out target method args r]))
      (when (= (get %modes target) :record)
        (%log! target [:in (%clock-of target) method args r caller]))
      r)))

(defn %clock-of [name] (nth %clocks (get %index name)))

(defn %log! [name entry]
  (let [l (conj (get %logs name) entry)]
    (if (> (count l) %log-limit)
      (%log-full name)
      (set! %logs (assoc %logs name l)))))

(defn %log-full [name]
  (let [waiting (filter (fn [n] (= (get %modes n) :live)) %names)
        msg (str "ragged: the log of " (pr-str name) " passed its limit of " %log-limit
                 " entries before " (pr-str (vec waiting))
                 " reached a safe point; the checkpoint requested at " %request-clock
                 " cannot complete")]
    (if (= %on-log-full :abandon)
      (do (set! %done-checkpoints
                (conj %done-checkpoints {:requested %request-clock :abandoned %clock
                                         :component name :waiting (vec waiting)}))
          (%end-window))
      (throw (ex-info msg {:ragged/error :log-full :component name :limit %log-limit
                           :waiting (vec waiting) :requested %request-clock :clock %clock})))))

(defn %describe [entry]
  (cond (nil? entry) "the end of the log"
        (= (first entry) :out) (str "call " (pr-str (nth entry 1)) " " (pr-str (nth entry 2))
                                    " " (pr-str (nth entry 3)) " -> " (pr-str (nth entry 4)))
        :else (str "incoming " (pr-str (nth entry 2)) " " (pr-str (nth entry 3))
                   " at " (nth entry 1) " -> " (pr-str (nth entry 4)))))

(defn %diverge [logged got]
  (throw (ex-info (str "ragged: " (pr-str %current) " diverged from its log at clock " %clock
                       " (entry " %replay-pos "): the log has " (%describe logged)
                       ", the replay made " got)
                  {:ragged/error :divergence :component %current :clock %clock
                   :entry %replay-pos :logged logged :got got})))

(defn %replay-out [target method args]
  (let [e (get %replay-log %replay-pos)]
    (if (and e (= (first e) :out) (= (nth e 1) target) (= (nth e 2) method) (= (nth e 3) args))
      (do (set! %replay-pos (inc %replay-pos)) (nth e 4))
      (%diverge e (str "call " (pr-str target) " " (pr-str method) " " (pr-str args))))))

(defn %next-in-at []
  "The time of the next logged incoming call, or nil."
  (loop [i %replay-pos]
    (let [e (get %replay-log i)]
      (cond (nil? e) nil
            (= (first e) :in) (nth e 1)
            :else (recur (inc i))))))

(defn %apply-incoming [name final?]
  "Apply the logged incoming calls due now (all the rest when the component has returned)."
  (loop []
    (let [e (get %replay-log %replay-pos)]
      (when (and e (= (first e) :in))
        (cond
          (or final? (= (nth e 1) %clock))
          (let [r (apply (%method name (nth e 2)) (nth e 3))]
            (when (not= r (nth e 4))
              (%diverge e (str "incoming " (pr-str (nth e 2)) " " (pr-str (nth e 3)) " -> " (pr-str r))))
            (set! %replay-pos (inc %replay-pos))
            (recur))
          (< (nth e 1) %clock)
          (%diverge e (str "no stop at clock " (nth e 1) " (the component went on to " %clock ")")))))))

(defn %catch-up [name snap target log]
  "Replay one lagging component alone from its snapshot to where it was when the checkpoint
  completed: its outgoing calls return their logged results, its incoming calls are applied
  at their logged times. Returns its continuation there (nil once it has returned)."
  (set! %current name)
  (set! %clock (:clock snap))
  (set! %replay-log log)
  (set! %replay-pos 0)
  (loop [k (:k snap)]
    (if (nil? k)
      (do (%apply-incoming name true) nil)
      (do
        (set! %limit (let [t (%next-in-at)]
                       (cond (some? t) (dec t)
                             (= target :done) 1000000000000000000
                             :else (dec target))))
        (let [r (resume k nil)]
          (case (first r)
            :yield (do (%apply-incoming name false)
                       (cond (and (= %clock target) (= %replay-pos (count %replay-log))) (second r)
                             (and (not= target :done) (>= %clock target))
                             (%diverge (get %replay-log %replay-pos)
                                       (str "reached its catch-up time " target " at " %clock))
                             :else (recur (second r))))
            :snap (recur (second r))
            :done (if (= target :done)
                    (do (%apply-incoming name true)
                        (when (< %replay-pos (count %replay-log))
                          (%diverge (get %replay-log %replay-pos) "a return"))
                        nil)
                    (%diverge (get %replay-log %replay-pos) "a return"))))))))

; -- the checkpoint -----------------------------------------------------------------------

(defn %begin-window []
  (set! %pending nil)
  (set! %requested true)
  (set! %live false)
  (set! %request-clock (%min-clock))
  (set! %modes (reduce (fn [m n] (assoc m n :live)) {} %names))
  (set! %logs (reduce (fn [m n] (assoc m n [])) {} %names))
  (set! %snaps {})
  (set! %snap-clocks {})
  (%bind! false)
  ; a component that has returned is at a safe point for good
  (for-each (fn [n] (when (nil? (nth %ks (get %index n))) (%snapshot! n nil (%clock-of n)))) %names))

(defn %end-window []
  (set! %requested false)
  (set! %live true)
  (set! %modes {})
  (set! %logs {})
  (set! %snaps {})
  (set! %snap-clocks {})
  (%bind! true))

(defn %snapshot! [name k clock]
  "The component's own state, serialized now: its continuation and its methods (which hold
  what its state refs hold at this instant)."
  (set! %snaps (assoc %snaps name (serialize {:k k :methods (get %methods name) :clock clock})))
  (set! %snap-clocks (assoc %snap-clocks name clock))
  (set! %modes (assoc %modes name :record))
  (when (= (count %snaps) (count %names)) (%complete! name)))

(defn %resumable [outer data]
  (cloneable-reset
    (fn []
      (let [override (cloneable-shift [k] k)]
        (resume outer {:outer outer :restore data :override override})))))

(defn %complete! [last]
  "The last component has snapshotted: the checkpoint is the snapshots and the logs."
  (let [targets (reduce (fn [m n]
                          (assoc m n (if (nil? (nth %ks (get %index n))) :done (%clock-of n))))
                        {} %names)
        data {:ragged 1 :order %names :last last :snapshots %snaps :logs %logs
              :snap-clocks %snap-clocks :targets targets
              :requested %request-clock :completed (get %snap-clocks last)
              :sink {:count %out-count :checksum %checksum}
              :requests %requests :checkpoints (count %done-checkpoints)}
        bytes (serialize (%resumable %outer data))
        info {:requested %request-clock :completed (get %snap-clocks last) :last last
              :snapshots %snap-clocks :log-sizes (reduce (fn [m n] (assoc m n (count (get %logs n)))) {} %names)
              :outputs %out-count :bytes (count bytes)}
        file (let [f (get %opts :file)] (if (fn? f) (f info) f))]
    (when file (write-file-atomic file bytes))
    (set! info (assoc info :file file))
    (when (get %opts :on-checkpoint) ((get %opts :on-checkpoint) bytes info))
    (set! %done-checkpoints (conj %done-checkpoints info))
    (%end-window)))

; -- the scheduler ------------------------------------------------------------------------

(defn %min-clock []
  (loop [i 0 m nil]
    (if (< i (count %names))
      (recur (inc i) (if (and (some? (nth %ks i)) (or (nil? m) (< (nth %clocks i) m))) (nth %clocks i) m))
      m)))

(defn %pick []
  "The component furthest behind (the first in system order among equals), or nil."
  (loop [i 0 best nil]
    (if (< i (count %names))
      (recur (inc i) (if (and (some? (nth %ks i))
                              (or (nil? best) (< (nth %clocks i) (nth %clocks best))))
                       i best))
      best)))

(defn %limit-for [i]
  "The last time component i may reach before another component is further behind."
  (let [cap (let [r (first %requests)
                  u (if %until (dec %until) 1000000000000000000)]
              (if (and r (not %requested)) (min u (dec r)) u))]
    (loop [j 0 lim cap]
      (if (< j (count %names))
        (recur (inc j)
               (if (and (not= j i) (some? (nth %ks j)))
                 (min lim (if (< i j) (nth %clocks j) (dec (nth %clocks j))))
                 lim))
        lim))))

(defn %slice [i]
  "Run component i until it yields or returns."
  (let [name (nth %names i)]
    (set! %current name)
    (set! %clock (nth %clocks i))
    (set! %limit (%limit-for i))
    (loop [r (let [k (nth %ks i)]
               (if (= k :start)
                 (cloneable-reset (fn [] ((get %runs name)) [:done]))
                 (resume k nil)))]
      (case (first r)
        :yield (do (set! %ks (assoc %ks i (second r)))
                   (set! %clocks (assoc %clocks i %clock)))
        :snap (do (%snapshot! name (second r) %clock)
                  (recur (resume (second r) nil)))
        :done (do (set! %ks (assoc %ks i nil))
                  (set! %clocks (assoc %clocks i %clock))
                  (when (and %requested (= (get %modes name) :live))
                    (%snapshot! name nil %clock)))))))

(defn %schedule []
  (loop []
    (let [i (%pick)]
      (cond
        (nil? i) :all-done
        (and %until (>= (nth %clocks i) %until)) :until
        :else
        (do
          (when (not %requested)
            (let [r (first %requests)]
              (when (and r (>= (nth %clocks i) r))
                ; every request now due is this one checkpoint
                (set! %requests (vec (filter (fn [t] (> t (nth %clocks i))) %requests)))
                (set! %pending true))))
          (when (and %pending (not %requested)) (%begin-window))
          (%slice i)
          (recur))))))

(defn %reset! [make opts outer]
  (set! %make make)
  (set! %opts opts)
  (set! %outer outer)
  (set! %until (get opts :until))
  (set! %requests (vec (sort (get opts :checkpoint-at []))))
  (set! %pending nil)
  (set! %log-limit (get opts :log-limit 100000))
  (set! %on-log-full (get opts :on-log-full :error))
  (set! %bind-ports (get opts :ports))
  (set! %on-output (get opts :on-output))
  (set! %trace (if (get opts :trace) [] nil))
  (set! %out-count 0)
  (set! %checksum 0)
  (set! %suppressed 0)
  (set! %done-checkpoints [])
  (set! %replaying false)
  (set! %requested false)
  (set! %live true)
  (set! %modes {}) (set! %logs {}) (set! %snaps {}) (set! %snap-clocks {}))

(defn %install [components devices]
  (set! %names (vec (keys components)))
  (set! %index (reduce (fn [m n] (assoc m n (count m))) {} %names))
  (set! %methods (merge (or devices {})
                        (reduce (fn [m [n c]] (assoc m n (get c :methods {}))) {} components))))

(defn %fresh [make opts]
  (let [components (make)]
    (%install components (get opts :devices))
    (set! %runs (reduce (fn [m [n c]] (assoc m n (get c :run))) {} components))
    (set! %clocks (vec (map (fn [_] 0) %names)))
    (set! %ks (vec (map (fn [_] :start) %names)))
    (%bind! true)))

(defn %restore [data]
  "Restore a checkpoint: each lagging component catches up alone, then all run on."
  (when (not= (:ragged data) 1)
    (throw (ex-info "ragged: this is not a ragged checkpoint of format 1" {:ragged/error :format})))
  (let [snaps (reduce (fn [m n] (assoc m n (deserialize (get (:snapshots data) n)))) {} (:order data))
        components (reduce (fn [m n] (assoc m n {:methods (:methods (get snaps n))})) {} (:order data))]
    (%install components (get %opts :devices))
    (set! %runs {})
    (set! %clocks (vec (map (fn [n] (:clock (get snaps n))) %names)))
    (set! %ks (vec (map (fn [n] (:k (get snaps n))) %names)))
    (set! %bind-ports (get %opts :ports))
    (set! %live false)
    (%bind! false)
    (set! %replaying true)
    (let [caught (reduce (fn [m n]
                           (if (= n (:last data))
                             (assoc m n [(:k (get snaps n)) (:clock (get snaps n))])
                             (let [k (%catch-up n (get snaps n) (get (:targets data) n) (get (:logs data) n))]
                               (assoc m n [k %clock]))))
                         {} (:order data))]
      (set! %replaying false)
      (set! %ks (vec (map (fn [n] (first (get caught n))) %names)))
      (set! %clocks (vec (map (fn [n] (second (get caught n))) %names))))
    (set! %out-count (:count (:sink data)))
    (set! %checksum (:checksum (:sink data)))
    (set! %requests (vec (:requests data)))
    (set! %live true)
    (%bind! true)))

(defn %run-from [make opts start]
  (%reset! make (merge opts (:override start)) (:outer start))
  (if (:restore start)
    (%restore (:restore start))
    (%fresh make opts))
  (let [how (%schedule)
        _ (when %requested
            (set! %done-checkpoints
                  (conj %done-checkpoints
                        {:requested %request-clock :incomplete true
                         :waiting (vec (filter (fn [n] (= (get %modes n) :live)) %names))}))
            (%end-window))
        result {:stopped how :clock (%min-clock) :clocks (zipmap %names %clocks)
                :outputs %out-count :checksum %checksum :suppressed %suppressed
                :checkpoints %done-checkpoints :restored (some? (:restore start))}]
    (set! %bind-ports nil)
    (if %trace (assoc result :trace %trace) result)))

(defn run
  "Run the system that (make) builds until every component has returned or the system time
  reaches :until. Returns {:stopped :clock :clocks :outputs :checksum :checkpoints ...}.
  A checkpoint written during the run is a continuation of this call: `turmeric resume FILE`
  restores the system and finishes the run, and whatever called run goes on as it would have."
  ([make] (run make {}))
  ([make opts]
   (let [start (cloneable-shift [k] (continue k {:outer k}))]
     (%run-from make opts start))))

(defn restore
  "Restore the checkpoint in bytes and finish its run in this process, with the options of
  the original run changed by those in override (say {:until 9000}); returns what the
  caller of the original run returned. `turmeric resume FILE --value '{:until 9000}'` is
  the same in a fresh process."
  ([bytes] (restore bytes nil))
  ([bytes override] (resume (deserialize bytes) override)))
