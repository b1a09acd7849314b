; A macro of a module imported with (import m :as alias) cannot be called as alias/macro:
; the expander records the import under its full name only (Expander._expand_core calls
; import_module without the alias), so g/twice is not found as a macro and is then looked
; up as a function at run time: "twice is not defined in that module".
(import lib.geometry :as g)
(println (g/twice 21))
