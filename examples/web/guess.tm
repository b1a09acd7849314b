(module guess)
; A number-guessing game. Each guess is a page, a continuation parked behind its form's URL:
; the loop below reads as if the browser were a function that returns the next guess.
; /?seed=N picks the number from a seeded generator (the tests play it by bisection).
(import web)

(defn page [title & body]
  [:html
   [:head [:meta {:charset "utf-8"}] [:title title]]
   [:body [:h1 title] body]])

(defn read-guess [message]
  (let [req (web/send-suspend
              (fn [k-url]
                (page "Guess the number"
                  [:p#message message]
                  [:form {:action k-url :method "post"}
                   [:label {:for "n"} "Your guess: "]
                   [:input {:name "n" :id "n" :type "text" :autofocus true}]
                   [:button {:type "submit" :id "submit"} "Guess"]])))
        text (web/param req "n" "")
        n (parse-long (str text))]
    (if (and n (<= 1 n 100))
      n
      (read-guess (str "\"" text "\" is not a number from 1 to 100; try again.")))))

(defn play [secret]
  (loop [message "I am thinking of a number from 1 to 100." tries 1]
    (let [n (read-guess message)]
      (cond
        (< n secret) (recur (str n " is too low.") (inc tries))
        (> n secret) (recur (str n " is too high.") (inc tries))
        :else (page "You win"
                [:p#result (str "You got it: " secret ", in " tries (if (= tries 1) " guess." " guesses."))]
                [:p [:a#again {:href "/"} "Play again"]])))))

(defn start [req]
  (let [seed (parse-long (str (web/param req "seed" "")))
        g (if seed (random-generator seed) (random-generator))]
    (play (inc (rand-int 100 g)))))
