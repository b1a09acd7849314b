(module web)
; Web continuations (spec/web.md). A page is a continuation: send-suspend captures the rest
; of the request's computation up to the server's prompt, the server saves it behind a URL
; (a token) and sends the page; a request to that URL resumes it with the request.
; The server of the running session is %engine (turmeric/web/app.py); outside one it is nil.

(def %engine nil)

(defn %engine-for [who]
  (if (nil? %engine)
    (throw (error (str who ": not inside a web request (serve the app with `turmeric serve FILE`)")))
    %engine))

(defn send-suspend
  "Save the rest of this request's computation behind a URL k-url, send the page
  (make-page k-url) and park. A request to k-url resumes here: its value is that request.
  `opts`: {:one-shot true} (the page can be submitted once), {:expires SECONDS}."
  ([make-page] (send-suspend make-page nil))
  ([make-page opts]
   (let [e (%engine-for "web/send-suspend")]
     (cloneable-shift [k] (make-page (e :url k opts))))))

(defn save-continuation
  "A token naming the continuation k (stateful or signed stateless, as the server runs):
  resume it with (resume (web/load-continuation token) v)."
  ([k] (save-continuation k nil))
  ([k opts] ((%engine-for "web/save-continuation") :save k opts)))

(defn load-continuation
  "The continuation a token of web/save-continuation names. A bad token (tampered,
  truncated, expired, one-shot and used, unknown) is an error the server answers with its page."
  [token]
  ((%engine-for "web/load-continuation") :load token))

(defn raw
  "HTML text written as it is, not escaped, inside hiccup data."
  [text]
  [:%raw text])

(defn html
  "The HTML text of hiccup data, escaped."
  [data]
  ((%engine-for "web/html") :render data))

(defn redirect
  "A response that sends the browser to `url` (303 See Other)."
  [url]
  {:status 303 :headers {"Location" url} :body ""})

(defn param
  "The request parameter `name` (a string), or `default` (nil)."
  ([req name] (get (get req :params) name))
  ([req name default] (get (get req :params) name default)))
