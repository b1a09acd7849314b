(module checkout)
; The design note's web continuation (seed 004): get-checkout parks "what to do when the
; form is submitted" behind a token; post-checkout-submit loads it and resumes it with the
; form's data. The payment step is one-shot: a second submission of the same page (a
; double click, the back button, a replayed request) is refused instead of charging twice.
(import web)

(def charges (atom []))

(defn render-page [title & body]
  [:html
   [:head [:meta {:charset "utf-8"}] [:title title]]
   [:body [:h1 title] body]])

(defn charge! [card amount]
  (swap! charges conj {:card card :amount amount})
  (count @charges))

(defn get-checkout [req]
  (let [form (cloneable-shift [k]
               (let [token (web/save-continuation k {:one-shot true})]
                 (render-page "Checkout"
                   [:form {:action (str "/checkout-submit?token=" token) :method "post"}
                    [:label {:for "card"} "Card number: "]
                    [:input {:name "card" :id "card" :type "text"}]
                    [:label {:for "amount"} "Amount: "]
                    [:input {:name "amount" :id "amount" :type "text" :value (web/param req "amount" "10")}]
                    [:button {:type "submit" :id "submit"} "Pay"]])))
        card (str (get form "card" ""))
        amount (parse-long (str (get form "amount" "")))]
    (if (or (< (count card) 4) (nil? amount) (<= amount 0))
      (render-page "Checkout failed"
        [:p#result (str "Card \"" card "\" or amount is not valid; nothing was charged.")]
        [:p [:a#again {:href "/checkout"} "Try again"]])
      (let [n (charge! card amount)]
        (render-page "Thank you"
          [:p#result (str "Charged " amount " to the card ending " (subs card (- (count card) 4))
                          " (charge " n ").")])))))

(defn post-checkout-submit [token req]
  (let [k (web/load-continuation token)]
    (resume k (:params req))))

(defn start [req]
  (case (:path req)
    "/checkout-submit" (post-checkout-submit (web/param req "token" "") req)
    "/charges" {:status 200 :headers {"Content-Type" "text/plain; charset=utf-8"}
                :body (str (count @charges) "\n")}
    (get-checkout req)))
