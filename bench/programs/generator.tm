;; A generator built from cloneable-shift: the producer suspends at every element; the
;; consumer resumes it once per element. One capture and one resume per element; both loops
;; are self tail calls, so every capture holds the same two frames (produce and the thunk).

(defn yield [x] (cloneable-shift [k] [x k]))

(defn produce [i n]
  (when (< i n)
    (yield i)
    (produce (inc i) n)))

(defn consume [step acc]
  (if (nil? step)
    acc
    (consume (resume (nth step 1)) (+ acc (nth step 0)))))

(defn gen-sum [n]
  (consume (cloneable-reset (fn [] (produce 0 n) nil)) 0))

;; The same walk, returning the total number of frames held by the continuations it
;; captured: it must grow linearly with n (a constant number of frames per element).
(defn count-frames [step total]
  (if (nil? step)
    total
    (count-frames (resume (nth step 1)) (+ total (frames-count (nth step 1))))))

(defn captured-frames [n]
  (count-frames (cloneable-reset (fn [] (produce 0 n) nil)) 0))
