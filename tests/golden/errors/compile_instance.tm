(defclass Show [a] (show [x : a]))
(instance Show)
