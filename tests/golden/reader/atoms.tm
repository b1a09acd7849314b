; Booleans (both spellings), nil, keywords and quoted symbols.
(prn true false #t #f nil)
(prn (= #t true) (= #f false))
(prn :action :a/b :valid? :1)
(prn 'valid-order? 'set! '-> 'flow/step 'order.payment-info '+ '- '/ '*x* 'x# ':)
(prn (symbol? 'a.b) (keyword? :k))
