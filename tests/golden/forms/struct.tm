; struct defines a constructor; p.x reads a field of a struct value, m.name a key of a
; map; the dots chain (order.customer.name). Keywords also read fields: (:x p).
(struct point [x y])
(def p (point 3 4))
(println p)
(println p.x p.y (:x p) (get p :y))
(println (= p (point 3 4)) (= p (point 4 3)))
(println (type-of p) (contains? p :x) (contains? p :z))

(struct customer [name : string email : string])
(struct order [id customer items])
(def o (order 17 (customer "Ada" "ada@example.com") ["tea" "scones"]))
(println o.id o.customer.name (count o.items))

(def m {:name "bob" :address {:city "Paris"}})
(println m.name m.address.city)

(defn norm2 [q] (+ (* q.x q.x) (* q.y q.y)))
(println (norm2 p))

; assoc on a struct value gives a changed copy
(def p2 (assoc p :x 30))
(println p2 p)

; a struct with no fields
(struct empty-thing [])
(println (empty-thing))
(prn (point "a" nil))
(println (map (fn [q] q.x) [(point 1 2) (point 5 6)]))
