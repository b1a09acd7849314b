;; The design note's persistent workflow, as written, with the helpers it calls.
;; Run it, then resume any checkpoint-*.bin it wrote with `turmeric resume`.
(module process_order :version 1)

(defn load-order [order-id]
  {:id order-id :items ["tea" "cups"] :payment-info {:card "4242" :amount 30}})
(defn valid-order? [order] (not (empty? order.items)))
(defn validation-error [msg] (error msg))
(defn charge-payment [info]
  (println "charging" info.card "for" info.amount)
  {:charged info.amount :ref "ch_1"})
(defn fulfill [order charge]
  (println "shipping" (count order.items) "items")
  {:shipped order.id :charge charge.ref})

(defn process-order [order-id]
  ;; Step 1: Validate order
  (def order (load-order order-id))
  (unless (valid-order? order)
    (throw (validation-error "Invalid order")))
  (checkpoint "order-validated" order)

  ;; Step 2: Charge payment (slow network call)
  (def charge-result (charge-payment order.payment-info))
  (checkpoint "payment-charged" charge-result)

  ;; Step 3: Fulfill order
  (def fulfillment (fulfill order charge-result))
  (checkpoint "order-fulfilled" fulfillment)

  fulfillment)

;; Checkpointing macro
(defmacro checkpoint [name value]
  `(cloneable-shift [k]
     ;; Save continuation to disk
     (def checkpoint-file (str "checkpoint-" ~name ".bin"))
     (write-file checkpoint-file (serialize k))
     ;; Resume immediately on first run
     (continue k ~value)))

;; On crash, user can resume from last checkpoint
(defn resume-from-checkpoint [name]
  (def checkpoint-file (str "checkpoint-" name ".bin"))
  (def k (deserialize (read-file checkpoint-file)))
  (resume k))

(println "result:" (process-order 42))
