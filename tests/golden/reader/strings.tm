; String literals and their escapes; prn prints them back readably, println raw.
(prn "plain" "" "tab\there" "quote\"q" "back\\slash" "nl\nx")
(println "tab\there|quote\"q|back\\slash")
(println "two\nlines")
(prn "\u00e9\u{1F600}" "λ→")
(println "\u00e9\u{41}")
(prn ";not a comment")
(prn (count "\u{1F600}"))
