; A log report that checkpoints itself: parse lines with a regex, reject bad ones with
; ex-info, count by level and by user, and save the rest of the job after every batch.
; Kill it at any point and `turmeric resume checkpoint-batch.bin` finishes the report.

(def log-text "2026-11-24 09:00:01 INFO  user=ada    login
2026-11-24 09:00:07 WARN  user=bob    slow query 1200ms
2026-11-24 09:01:13 INFO  user=ada    upload report.pdf
2026-11-24 09:02:40 ERROR user=cy     payment declined
this line is not a log line
2026-11-24 09:03:02 INFO  user=bob    logout
2026-11-24 09:04:55 WARN  user=ada    slow query 950ms
2026-11-24 09:05:31 ERROR user=bob    timeout after 30s")

(def line-re #"(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) (\w+)\s+user=(\w+)\s+(.*)")

(defn parse-line [line]
  (if-let [[_ date time level user message] (re-matches line-re line)]
    {:time time :level (keyword (lower-case level)) :user user :message message}
    (throw (ex-info "not a log line" {:line line}))))

(defn parse-all [lines]
  (reduce (fn [acc line]
            (try (update acc :entries conj (parse-line line))
                 (catch e (update acc :rejected conj (:line (ex-data e))))))
          {:entries [] :rejected []}
          lines))

(defn tally
  ([entries] (tally entries {}))
  ([entries counts]
   (reduce (fn [c {:keys [level user]}]
             (-> c (update-in [:by-level level] (fnil inc 0))
                   (update-in [:by-user user] (fnil inc 0))))
           counts entries)))

(defn slow-queries [entries]
  (for [{:keys [user message]} entries
        :let [ms (some->> (re-find #"(\d+)ms" message) second parse-long)]
        :when (and ms (> ms 1000))]
    [user ms]))

(defn report [lines batch-size]
  (let [{:keys [entries rejected]} (parse-all lines)
        counts (loop [batches (partition-all batch-size entries) counts {} n 0]
                 (if (empty? batches)
                   counts
                   (let [counts (tally (first batches) counts)]
                     ; everything after this point is saved, counts included
                     (checkpoint "batch" nil)
                     (recur (rest batches) counts (inc n)))))]
    (println "entries:" (count entries) "rejected:" (count rejected))
    (doseq [line rejected] (println "  rejected:" (pr-str line)))
    (println "by level:" (sort-by key (:by-level counts)))
    (println "busiest users:" (->> (:by-user counts) (sort-by val >) (take 2) (map first)))
    (println "slow queries:" (slow-queries entries))
    (println "errors:" (for [e entries :when (= (:level e) :error)] (str (:user e) ": " (:message e))))
    :done))

(println (report (split-lines log-text) 3))
