; machine.tm: a small machine built of ragged components (spec/ragged.md): a CPU that runs
; a program, an APU that makes samples from the registers the CPU writes, a timer that
; interrupts the CPU, and a pad (the input). Every timing depends on the seed, so each seed
; is another schedule. The APU's samples are the machine's output.
(module machine)
(import ragged)

(ragged/defports bind-ports
  [apu-read :apu :read] [apu-write :apu :write]
  [timer-read :timer :read] [pad-read :pad :read]
  [cpu-irq :cpu :irq])

(defn lcg [x] (mod (+ (* x 1103515245) 12345) 2147483648))

; The program: a frame of 40 iterations that reads the pad, the APU and the timer and
; writes the APU's frequency and volume; the CPU is at a safe point between frames.
(def program
  [[:li 0 1]          ; 0  r0 = accumulator
   [:li 1 40]         ; 1  r1 = iterations left
   [:rd 2 :pad 0]     ; 2  r2 = buttons
   [:add 0 0 2]       ; 3
   [:xor 0 0 1]       ; 4
   [:wr :apu 0 0]     ; 5  frequency = r0
   [:rd 3 :apu 1]     ; 6  r3 = samples made so far
   [:shr 4 3 2]       ; 7
   [:wr :apu 1 4]     ; 8  volume = r3 >> 2
   [:rd 5 :timer 0]   ; 9  r5 = ticks
   [:add 6 6 5]       ; 10
   [:dec 1]           ; 11
   [:jnz 1 2]         ; 12
   [:safe]            ; 13 end of frame
   [:jmp 1]])         ; 14

(defn device-read [dev reg]
  (case dev :apu (apu-read reg) :timer (timer-read reg) :pad (pad-read reg)))

(defn cpu [seed]
  (let [irq (ref 0)]
    {:methods {:irq (fn [n] (ref-set! irq (+ (deref irq) n)) (deref irq))}
     :run
     (fn []
       (loop [pc 0 regs [0 0 0 0 0 0 0 0] wait seed]
         (when (> (deref irq) 0)
           ; an interrupt: count it in r7 and tell the APU
           (ref-set! irq (dec (deref irq)))
           (apu-write 2 (nth regs 7))
           (ragged/step 6))
         (let [ins (nth program pc)
               op (first ins)
               wait2 (lcg wait)
               mem (+ 3 (mod (quot wait2 65536) 4))]
           (case op
             :li (do (ragged/step 2) (recur (inc pc) (assoc regs (nth ins 1) (nth ins 2)) wait2))
             :add (do (ragged/step 2)
                      (recur (inc pc) (assoc regs (nth ins 1) (mod (+ (nth regs (nth ins 2)) (nth regs (nth ins 3))) 65536)) wait2))
             :xor (do (ragged/step 2)
                      (recur (inc pc) (assoc regs (nth ins 1) (bit-xor (nth regs (nth ins 2)) (nth regs (nth ins 3)))) wait2))
             :shr (do (ragged/step 2)
                      (recur (inc pc) (assoc regs (nth ins 1) (mod (bit-shift-right (nth regs (nth ins 2)) (nth ins 3)) 16)) wait2))
             :rd (let [v (device-read (nth ins 2) (nth ins 3))]
                   (ragged/step mem)
                   (recur (inc pc) (assoc regs (nth ins 1) v) wait2))
             :wr (do (apu-write (nth ins 2) (nth regs (nth ins 3)))
                     (ragged/step mem)
                     (recur (inc pc) regs wait2))
             :dec (do (ragged/step 1) (recur (inc pc) (assoc regs (nth ins 1) (dec (nth regs (nth ins 1)))) wait2))
             :jnz (do (ragged/step 3) (recur (if (= 0 (nth regs (nth ins 1))) (inc pc) (nth ins 2)) regs wait2))
             :jmp (do (ragged/step 3) (recur (nth ins 1) (assoc regs 7 (inc (nth regs 7))) wait2))
             :safe (do (ragged/safe-point) (recur (inc pc) regs wait2))))))}))

(defn apu [seed]
  (let [regs (ref {0 0 1 0 2 0}) made (ref 0) period (+ 20 (mod seed 13))]
    {:methods {:write (fn [reg v] (ref-set! regs (assoc (deref regs) reg v)) nil)
               :read (fn [reg] (if (= reg 1) (deref made) (get (deref regs) reg 0)))}
     :run
     (fn []
       (loop [phase 0]
         (ragged/step period)
         (let [r (deref regs)
               phase2 (mod (+ phase (* 97 (get r 0)) (get r 2)) 65536)
               sample (* (- (quot phase2 256) 128) (+ 1 (mod (get r 1) 16)))]
           (ragged/emit sample)
           (ref-set! made (inc (deref made)))
           (when (= 0 (mod (deref made) 16)) (ragged/safe-point))
           (recur phase2))))}))

(defn timer [seed]
  (let [ticks (ref 0) period (+ 50 (mod seed 37))]
    {:methods {:read (fn [reg] (deref ticks))}
     :run
     (fn []
       (loop []
         (ragged/step period)
         (ref-set! ticks (inc (deref ticks)))
         (when (= 0 (mod (deref ticks) 8)) (cpu-irq 1))
         (ragged/safe-point)
         (recur)))}))

(defn pad [seed]
  (let [buttons (ref 0)]
    {:methods {:read (fn [reg] (deref buttons))}
     :run
     (fn []
       (loop [x seed]
         (ragged/step (+ 100 (mod x 61)))
         (ref-set! buttons (mod (quot x 4096) 256))
         (ragged/safe-point)
         (recur (lcg x))))}))

(defn system [seed]
  (fn [] {:cpu (cpu seed) :apu (apu seed) :timer (timer seed) :pad (pad seed)}))

(defn options [seed until checkpoint-at]
  {:until until :ports bind-ports :checkpoint-at checkpoint-at})
