; structs_and_match.tm: data with struct, taken apart with match.
;
; A small calculator: expressions are trees of structs; eval-expr computes them,
; simplify rewrites them, show prints them. match tests constructor patterns such as
; (add a b), literals, _ (anything) and plain names (bind anything).

(struct num [value])
(struct var [name])
(struct add [left right])
(struct mul [left right])
(struct neg [arg])

(defn show [e]
  (match e
    (num v) -> (str v)
    (var n) -> (name n)
    (add a b) -> (str "(" (show a) " + " (show b) ")")
    (mul a b) -> (str (show a) " * " (show b))
    (neg a) -> (str "-" (show a))))

; Looking a variable up gives an Option: (Some value) or (None).
(defn lookup [env n]
  (if (contains? env n) (Some (get env n)) (None)))

(defn eval-expr [e env]
  (match e
    (num v) -> v
    (var n) -> (match (lookup env n)
                 (Some v) -> v
                 (None) -> (throw (error (str "unbound variable " (name n)))))
    (add a b) -> (+ (eval-expr a env) (eval-expr b env))
    (mul a b) -> (* (eval-expr a env) (eval-expr b env))
    (neg a) -> (- (eval-expr a env))))

; Nested patterns with literals inside: the algebra rules x+0, 0+x, x*1, 1*x, x*0, --x.
(defn simplify [e]
  (let [s (match e
            (add a b) -> (add (simplify a) (simplify b))
            (mul a b) -> (mul (simplify a) (simplify b))
            (neg a) -> (neg (simplify a))
            _ -> e)]
    (match s
      (add x (num 0)) -> x
      (add (num 0) x) -> x
      (mul x (num 1)) -> x
      (mul (num 1) x) -> x
      (mul _ (num 0)) -> (num 0)
      (mul (num 0) _) -> (num 0)
      (neg (neg x)) -> x
      (add (num a) (num b)) -> (num (+ a b))
      _ -> s)))

(def e1 (add (mul (num 2) (var :x)) (neg (num 3))))
(def env {:x 10})
(println (show e1) "=" (eval-expr e1 env))

(def e2 (add (mul (var :y) (num 1)) (mul (num 0) (var :z))))
(println (show e2) "simplifies to" (show (simplify e2)))
(println (show (neg (neg (add (num 1) (num 2))))) "simplifies to"
         (show (simplify (neg (neg (add (num 1) (num 2)))))))

; Struct values compare by value and print as constructor calls.
(println (simplify e2) (= (simplify e2) (var :y)))

; Errors are values too: catch one and match on it.
(println (try (eval-expr e2 env)
              (catch [e] (str "cannot evaluate: " (ex-message e)))))

; Fields: e.left reads a field (and e.left.right a field of a field), keywords work
; as on maps, and assoc makes a changed copy.
(println e1.left e1.left.right (:right e1))
(println (show (assoc e1 :right (num 100))) "=" (eval-expr (assoc e1 :right (num 100)) env))

; match on vectors and maps of values from structs
(defn describe-list [xs]
  (match xs
    [] -> "nothing"
    [x] -> (str "just " (show x))
    [x y] -> (str (show x) " and " (show y))
    [x & more] -> (str (show x) " and " (count more) " more")))
(println (describe-list []))
(println (describe-list [(num 1)]))
(println (describe-list [(num 1) (var :a)]))
(println (describe-list [(num 1) (var :a) (num 2) (num 3)]))
