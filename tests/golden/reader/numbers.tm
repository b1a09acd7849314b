; Integers (decimal, signed, hex, arbitrary precision) and floats.
(prn 0 42 -7 +5 007)
(prn 0x1F 0XfF -0x10)
(prn 123456789012345678901234567890)
(prn (* 99999999999 99999999999 99999999999))
(prn 1.5 -2.0e10 1e3 2.5E-3 +0.25)
(prn ##Inf ##-Inf ##NaN)
(prn (+ 0.1 0.2))
