(println (slurp "tests/golden/errors/no-such-file.txt"))
