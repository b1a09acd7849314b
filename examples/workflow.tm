; workflow.tm: a multi-step order workflow that suspends itself and is resumed later.
;
; process-order below is straight-line code, like the design note's example, but two
; things can interrupt it:
;
;   (checkpoint name value)  records the continuation after a step, so a later step that
;                            fails can be retried from the last good step, without doing
;                            the earlier ones again (no second charge after a failed
;                            delivery);
;   (await-decision id q)    suspends the workflow until a person answers: its
;                            continuation waits in a table while the program does other
;                            work, and (decide! id answer) resumes it.
;
; With serialization these continuations could wait on disk, or move to another process;
; this example keeps them in memory.

(defn say [& parts] (println (apply str "  " parts)))

; --- the shop: orders, a card processor, a warehouse ---------------------------------

(struct order [id customer items payment-info])

(def orders
  {17 (order 17 "Ada" [["tea" 2 350] ["scones" 1 500]] {:card "4242" :limit 5000})
   18 (order 18 "Bob" [] {:card "1111" :limit 5000})
   19 (order 19 "Cyd" [["piano" 1 250000]] {:card "5555" :limit 10000})
   20 (order 20 "Dee" [["kettle" 1 2500]] {:card "7777" :limit 5000})})

(defn load-order [id] (get orders id))
(defn valid-order? [o] (not (empty? o.items)))
(defn order-total [o]
  (reduce + 0 (map (fn [item] (* (nth item 1) (nth item 2))) o.items)))
(defn money [cents] (format "%d.%02d" (quot cents 100) (mod cents 100)))

(def charges (ref []))   ; every charge the card processor made: [card amount]

(defn charge-payment [payment-info amount]
  (swap! charges conj [payment-info.card amount])
  (say "charged " (money amount) " to card " payment-info.card)
  {:card payment-info.card :amount amount :receipt (str "R" (count @charges))})

(def in-stock (ref #{"tea" "scones" "piano"}))   ; no kettles today

(defn fulfill [o charge]
  (for-each (fn [item]
              (unless (contains? @in-stock (first item))
                (throw (error (str "out of stock: " (first item))))))
            o.items)
  (str "parcel for " o.customer " (receipt " charge.receipt ")"))

; --- suspending: checkpoints and waiting for a person --------------------------------

(def checkpoints (ref {}))   ; [order-id step-name] -> continuation

; As in the design note: capture the rest of the workflow, keep it, and go on at once.
(defmacro checkpoint [name value]
  `(cloneable-shift [k]
     (swap! checkpoints assoc ~name k)
     (say "checkpoint " (second ~name))
     (continue k ~value)))

(def waiting (ref {}))       ; order-id -> {:question q :k continuation}

; Park the rest of the workflow until someone answers the question. The value of this
; shift, [:waiting id], is what the workflow returns for now.
(defn await-decision [id question]
  (cloneable-shift [k]
    (swap! waiting assoc id {:question question :k k})
    (say "waiting for a manager: " question)
    [:waiting id]))

(defn decide! [id answer]
  (let [entry (get @waiting id)]
    (swap! waiting dissoc id)
    (println "manager answers" answer "to:" entry.question)
    (resume entry.k answer)))

; --- the workflow ----------------------------------------------------------------------

(defn process-order [order-id]
  ;; Step 1: validate the order
  (def order (load-order order-id))
  (unless (valid-order? order)
    (throw (error "the order has no items")))
  (checkpoint [order-id "order-validated"] order)

  ;; Step 2: a large order needs a manager's approval
  (def total (order-total order))
  (when (> total order.payment-info.limit)
    (unless (await-decision order-id
                            (str "charge " (money total) " to " order.customer "?"))
      (throw (error "refused by the manager"))))

  ;; Step 3: charge the card
  (def charge-result (charge-payment order.payment-info total))
  (checkpoint [order-id "payment-charged"] charge-result)

  ;; Step 4: ship it
  (def fulfillment (fulfill order charge-result))
  (checkpoint [order-id "order-fulfilled"] fulfillment)
  fulfillment)

; Run a workflow under a prompt; errors become [:failed message].
(defn run-order [order-id]
  (println "order" order-id)
  (let [result (cloneable-reset
                 (fn []
                   (try [:done (process-order order-id)]
                        (catch [e] [:failed (ex-message e)]))))]
    (say "=> " (pr-str result))
    result))

; --- a day at the shop -----------------------------------------------------------------

(run-order 17)   ; small order: straight through
(run-order 18)   ; invalid: fails before the first checkpoint
(run-order 19)   ; too large for the card limit: waits for a manager
(run-order 20)   ; charged, but the kettle is out of stock

(println "still waiting:" (keys @waiting))

; What if the manager said no? A continuation can be resumed more than once, so we can
; try that answer on a copy of the future first; it charges nothing.
(def parked-19 (:k (get @waiting 19)))
(println "what if refused:" (pr-str (resume parked-19 false)))

; The manager approves order 19: the workflow goes on from where it waited.
(println "approved:" (pr-str (decide! 19 true)))

; Kettles arrive: retry order 20 from its "payment-charged" checkpoint. The card is not
; charged a second time.
(swap! in-stock conj "kettle")
(println "retry order 20 from payment-charged")
(println "retried:" (pr-str (resume (get @checkpoints [20 "payment-charged"]))))

(println "charges:" @charges)
