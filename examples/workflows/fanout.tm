;; A fan-out: the parent starts one child workflow per item, then waits for each result.
;; The children run on whichever workers claim them; each sleeps (a durable timer) for as
;; many seconds as its item, so they finish in another order than they started.
;;
;;   turmeric workflow start fanout.tm fan-out 4 --id fan
;;   turmeric worker --drain --skip-time
(import workflow)

(defn square [x]
  (workflow/sleep (- 10 x))
  (println "child" (workflow/id) "squares" x)
  (* x x))

(defn fan-out [n]
  (let [children (mapv (fn [i] (workflow/start square i)) (range 1 (inc n)))]
    (println "started" children)
    (let [results (mapv workflow/result children)]
      (println "results" results)
      (reduce + results))))
