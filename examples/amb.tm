; amb.tm: nondeterministic choice with backtracking, built from cloneable-shift.
;
; (amb xs) "chooses" one of xs: it captures the rest of the search as a continuation k
; and resumes k once for each choice, so everything after the amb runs once per
; choice. (require! test) abandons the current branch when its choices do not fit.
; Each branch returns a list of its solutions (none, or one), and amb concatenates
; them. Because a continuation can be resumed any number of times, nothing has to be
; undone by hand when the search backs up.

(defn amb [choices]
  (cloneable-shift [k]
    (apply concat (map (fn [choice] (resume k choice)) choices))))

(defn require! [ok]
  (unless ok
    (cloneable-shift [k] '())))   ; drop k: this branch has no solution

; All the solutions of a search (a function that calls amb and require!).
(defn solutions [search]
  (cloneable-reset (fn [] (list (search)))))

; --- Dinesman's multiple-dwelling puzzle (SICP, section 4.3.2) -----------------------
; Baker, Cooper, Fletcher, Miller and Smith live on different floors of a five-floor
; building. Baker does not live on the top floor. Cooper does not live on the bottom
; floor. Fletcher lives on neither the top nor the bottom floor. Miller lives higher
; than Cooper. Smith does not live next to Fletcher, nor Fletcher next to Cooper.

(defn all-different? [xs] (= (count xs) (count (set xs))))
(defn next-to? [a b] (= 1 (abs (- a b))))

(defn dwelling []
  (let [floors [1 2 3 4 5]
        baker (amb floors)
        _ (require! (not= baker 5))        ; prune early: fewer branches to try
        cooper (amb floors)
        _ (require! (not= cooper 1))
        fletcher (amb floors)
        _ (require! (not (contains? #{1 5} fletcher)))
        miller (amb floors)
        _ (require! (> miller cooper))
        smith (amb floors)]
    (require! (all-different? [baker cooper fletcher miller smith]))
    (require! (not (next-to? smith fletcher)))
    (require! (not (next-to? fletcher cooper)))
    {:baker baker :cooper cooper :fletcher fletcher :miller miller :smith smith}))

(println "Dinesman:" (solutions dwelling))

; --- Colouring the map of Australia with three colours --------------------------------
; Neighbouring regions must get different colours. The choices are made inside reduce:
; the continuation of each amb includes the rest of the reduce, which resumes in the
; middle of its loop once per colour.

(def neighbours
  {:WA [:NT :SA] :NT [:WA :SA :Q] :SA [:WA :NT :Q :NSW :V]
   :Q [:NT :SA :NSW] :NSW [:SA :Q :V] :V [:SA :NSW] :T []})

(defn colour-map []
  (reduce (fn [colouring region]
            (let [colour (amb [:red :green :blue])]
              (require! (every? (fn [n] (not= colour (get colouring n)))
                                (get neighbours region)))
              (assoc colouring region colour)))
          {}
          [:WA :NT :SA :Q :NSW :V :T]))

(def colourings (solutions colour-map))
(println "colourings found:" (count colourings))
(println "the first:" (first colourings))
(println "SA always differs from all its neighbours:"
         (every? (fn [c] (every? (fn [n] (not= (:SA c) (get c n))) (:SA neighbours)))
                 colourings))
