(comment at top level (is nothing))
(prn (comment 1 2) [(comment)] (if (comment) :yes :no))
