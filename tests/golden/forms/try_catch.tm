; throw any value; try/catch binds it. Runtime errors are caught as error values whose
; message ex-message reads. catch binds either [e] or e.
(println (try (throw 42) (catch [e] (+ e 1))))
(println (try (throw {:code 7}) (catch [e] (:code e))))
(println (try (throw (error "boom")) (catch [e] (ex-message e))))
(println (try (/ 1 0) (catch [e] (ex-message e))))
(println (try (inc :a) (catch e (str "caught: " (ex-message e)))))
(println (try (nth [1 2] 5) (catch [e] (ex-message e))))
(println (try :no-error (catch [e] :handler)))
(println (try 1 2 3))

; the error crosses function calls
(defn inner [x] (when (neg? x) (throw (error (str "negative: " x)))) (* x 2))
(defn outer [x] (+ 1 (inner x)))
(println (try (outer 5) (catch [e] (ex-message e))))
(println (try (outer -5) (catch [e] (ex-message e))))

; nested try: the innermost handler wins; a handler can rethrow
(println (try
           (try (throw :inner) (catch [e] (throw (list :rethrown e))))
           (catch [e] e)))

; user structs as errors, taken apart with match
(struct validation-error [field reason])
(defn validate [m]
  (unless (:name m) (throw (validation-error :name "missing")))
  :ok)
(println (try (validate {}) (catch [e] (match e (validation-error f r) -> (str f " " r)))))
(println (validate {:name "x"}))

; the error value of a runtime error is an (error message) struct
(println (try (/ 1 0) (catch [e] e)))
(println (try (/ 1 0) (catch [e] (type-of e))))

; catching inside a loop and carrying on
(println (map (fn [x] (try (/ 10 x) (catch [e] :inf))) [1 0 5]))
