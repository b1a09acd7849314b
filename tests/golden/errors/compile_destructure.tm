(let [{:keys [a :b]} {:a 1}]
  a)
