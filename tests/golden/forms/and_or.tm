; and / or return the deciding value and evaluate as little as needed.
(prn (and) (and 1) (and 1 2 3) (and 1 nil 3) (and false nil))
(prn (or) (or nil) (or nil false 3 4) (or false nil))
(defn loud [x] (print (str "<" x ">")) x)
(prn (and (loud 1) (loud nil) (loud 3)))
(prn (or (loud nil) (loud 2) (loud 3)))
(prn (not (and true false)))
