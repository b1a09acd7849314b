; Lists, vectors, maps and sets; commas are whitespace; #_ discards the next form;
; comments run to the end of the line.
(prn '(1 2 3) [1 [2] ()] {:a 1, :b 2} #{1})
(prn [1,2,,3] '(a,b))
(prn [] '() {} #{})
(prn {[1 2] #{3} "k" nil})
(prn [1 #_ 2 3] #_ (this is (ignored)) :after)  ; a comment
(prn '[x : int64] '(serialize [x : a] : bytes))
(prn (count {:a 1 :b 2 :c 3}))
