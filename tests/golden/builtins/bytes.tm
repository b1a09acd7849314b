; Byte strings: from strings (UTF-8), from integers 0-255, #bytes literals in hex.
(def b (bytes [104 105]))
(prn b (bytes->str b) (bytes? b) (count b))
(prn (str->bytes "hé") (count (str->bytes "hé")) (bytes->str (str->bytes "hé")))
(prn (bytes "hi") (= (bytes "hi") #bytes "6869") (bytes #bytes "00ff"))
(prn (first b) (nth b 1) (vec b) (seq #bytes ""))
(prn (try (bytes [256]) (catch [e] (ex-message e))))
(prn (try (bytes->str #bytes "68ff") (catch [e] (ex-message e))))
