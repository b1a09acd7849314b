; A module imported by forms/modules.tm (and run on its own as a golden test too).
(module lib.geometry :version 2)
(println "loading geometry, version" (current-version))
(struct point [x y])
(defn dist2 [p q]
  (+ (* (- p.x q.x) (- p.x q.x)) (* (- p.y q.y) (- p.y q.y))))
(defmacro twice [e] `(* 2 ~e))
(def origin (point 0 0))
