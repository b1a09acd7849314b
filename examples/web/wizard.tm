(module wizard)
; A multi-step form: name, e-mail, plan, then a one-shot confirmation. The answers so far are
; local variables of the parked continuation, not a session record: the back button and a
; different answer fork the sign-up, and two tabs are two sign-ups.
(import web)

(defn page [title & body]
  [:html
   [:head [:meta {:charset "utf-8"}] [:title title]]
   [:body [:h1 title] body]])

(defn ask [step title field label message]
  (let [req (web/send-suspend
              (fn [k-url]
                (page title
                  [:p#step (str "Step " step " of 3")]
                  (when message [:p#message message])
                  [:form {:action k-url :method "post"}
                   [:label {:for field} label]
                   [:input {:name field :id field :type "text"}]
                   [:button {:type "submit" :id "submit"} "Next"]])))]
    (str (web/param req field ""))))

(defn ask-name []
  (loop [message nil]
    (let [name (ask 1 "Your name" "name" "Name: " message)]
      (if (empty? name) (recur "Please give a name.") name))))

(defn ask-email [name]
  (loop [message (str "Hello, " name ".")]
    (let [email (ask 2 "Your e-mail" "email" "E-mail: " message)]
      (if (includes? email "@") email (recur (str "\"" email "\" is not an e-mail address."))))))

(defn ask-plan []
  (let [req (web/send-suspend
              (fn [k-url]
                (page "Your plan"
                  [:p#step "Step 3 of 3"]
                  [:form {:action k-url :method "post"}
                   [:label {:for "plan"} "Plan: "]
                   [:select {:name "plan" :id "plan"}
                    [:option {:value "free"} "Free"]
                    [:option {:value "pro"} "Pro"]]
                   [:button {:type "submit" :id "submit"} "Next"]])))
        plan (web/param req "plan" "free")]
    (if (contains? #{"free" "pro"} plan) plan "free")))

(defn confirm [name email plan]
  (web/send-suspend
    (fn [k-url]
      (page "Confirm"
        [:p#summary (str name " <" email ">, " plan " plan")]
        [:form {:action k-url :method "post"}
         [:button {:type "submit" :id "submit"} "Create the account"]]))
    {:one-shot true}))

(def accounts (atom 0))

(defn start [req]
  (let [name (ask-name)
        email (ask-email name)
        plan (ask-plan)]
    (confirm name email plan)
    (swap! accounts inc)
    (page "Welcome"
      [:p#result (str "Account created for " name " <" email "> on the " plan " plan.")])))
