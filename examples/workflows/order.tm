;; An order workflow: reserve the stock, wait for the payment message, charge it, wait two
;; days for the shipping slot (a durable timer), ship. Each side effect is a workflow/step, so
;; a crash never charges twice once the charge was journaled; the charge passes
;; (workflow/step-key) to the payment service as its idempotency key.
;;
;;   turmeric workflow start order.tm order '"A-17"' 100 --id A-17
;;   turmeric workflow send A-17 payment '{:amount 100 :card "4242"}'
;;   turmeric worker --drain --skip-time       # --skip-time: the two days pass at once
(import workflow)

(defn reserve [id]
  (println "reserve stock for" id)
  :reserved)

(defn charge [id amount]
  (println "charge" amount "for" id "with idempotency key" (workflow/step-key))
  {:charged amount})

(defn order [id amount]
  (workflow/step "reserve" (fn [] (reserve id)))
  (let [payment (workflow/await-message :payment)]
    (if (< (:amount payment) amount)
      {:order id :status :underpaid :paid (:amount payment)}
      (let [receipt (workflow/step "charge" (fn [] (charge id (:amount payment))))]
        (workflow/sleep (* 2 24 3600))
        (workflow/step "ship" (fn [] (println "ship" id) :shipped))
        {:order id :status :shipped :charged (:charged receipt)}))))
