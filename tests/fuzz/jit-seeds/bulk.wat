;; Seed for fuzz_jit: bulk memory and tables, done out of line (jit_ops.c)
;; but reached through the compiler's calls and trap checks: memory.copy
;; (overlapping both ways, to the end, out of bounds), memory.fill,
;; memory.init and data.drop (a dropped segment traps unless the length is 0),
;; table.get/set/size/grow/fill/copy/init, elem.drop, ref.func, ref.is_null,
;; and call_indirect through entries the export just changed.  Sizes and
;; offsets come from the arguments (0, 1, 7, 65533, 65536, 0xffffffff, ...).
(module
  (type $v_i (func (result i32)))
  (memory 1 3)
  (table $t 6 10 funcref)
  (table $u 4 externref)
  (data $d0 "\de\ad\be\ef\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d")
  (data $d1 "\ff")
  (data (i32.const 4090) "0123456789abcdef")
  (elem (table $t) (i32.const 0) func $one $two)
  (elem $e0 func $one $two $three)
  (elem $e1 funcref (ref.null func) (ref.func $three))
  (elem declare func $dyn)
  (func $one (result i32) (i32.const 1))
  (func $two (result i32) (i32.const 2))
  (func $three (result i32) (i32.const 3))
  (func $dyn (result i32) (memory.size))

  (func (export "copy") (param $d i32) (param $s i32) (param $n i32)
    (memory.copy (local.get $d) (local.get $s) (i32.and (local.get $n) (i32.const 0x1ffff)))
    (memory.copy (i32.add (local.get $s) (i32.const 1)) (local.get $s) (i32.const 15))   ;; overlap up
    (memory.copy (local.get $s) (i32.add (local.get $s) (i32.const 3)) (i32.const 9)))   ;; overlap down
  (func (export "copy_edge") (param $a i32) (param $n i32)
    (memory.copy (i32.sub (i32.const 65536) (local.get $n)) (local.get $a) (local.get $n))
    (memory.copy (i32.const 4094) (i32.const 65530) (i32.const 6)))
  (func (export "fill") (param $d i32) (param $v i32) (param $n i32)
    (memory.fill (local.get $d) (local.get $v) (i32.and (local.get $n) (i32.const 0x1ffff)))
    (memory.fill (i32.const 8191) (i32.const 0x1ab) (i32.const 2)))
  (func (export "init") (param $d i32) (param $s i32) (param $n i32) (result i32)
    (memory.init $d0 (local.get $d) (i32.and (local.get $s) (i32.const 31)) (i32.and (local.get $n) (i32.const 31)))
    (if (i32.and (local.get $n) (i32.const 1)) (then (data.drop $d0)))
    (memory.init $d1 (i32.const 4095) (i32.const 0) (i32.and (local.get $s) (i32.const 1)))
    (i32.load offset=1 (local.get $d)))
  (func (export "drop_init") (param $n i32)
    (data.drop $d1)
    (memory.init $d1 (i32.const 0) (i32.const 0) (local.get $n)))   ;; traps unless n == 0
  (func (export "grow_fill") (param $d i32) (result i32)
    (drop (memory.grow (i32.and (local.get $d) (i32.const 1))))
    (memory.fill (i32.const 65530) (i32.const 0x77) (i32.const 12))   ;; past the first page
    (i32.add (memory.size) (i32.load8_u offset=65541 (i32.const 0))))

  (func (export "tables") (param $i i32) (param $n i32) (result i32)
    (table.set $t (i32.and (local.get $i) (i32.const 7)) (ref.func $dyn))
    (drop (table.grow $t (ref.func $three) (i32.and (local.get $n) (i32.const 3))))
    (table.fill $t (i32.const 2) (ref.null func) (i32.and (local.get $n) (i32.const 7)))
    (table.copy $t $t (i32.const 1) (local.get $i) (i32.const 2))
    (i32.add (table.size $t)
      (call_indirect $t (type $v_i) (i32.and (local.get $n) (i32.const 7)))))
  (func (export "table_init") (param $d i32) (param $s i32) (param $n i32) (result i32)
    (table.init $t $e0 (local.get $d) (i32.and (local.get $s) (i32.const 3)) (i32.and (local.get $n) (i32.const 3)))
    (if (i32.and (local.get $s) (i32.const 1)) (then (elem.drop $e0)))
    (table.init $t $e1 (i32.const 4) (i32.const 0) (i32.const 2))
    (i32.add (ref.is_null (table.get $t (local.get $d)))
             (call_indirect $t (type $v_i) (i32.const 5))))
  (func (export "externs") (param $i i32) (param $r externref) (result i32 externref)
    (table.set $u (i32.and (local.get $i) (i32.const 3)) (local.get $r))
    (drop (table.grow $u (local.get $r) (i32.const 1)))
    (table.size $u) (table.get $u (local.get $i)))
  (func (export "funcref") (param $f funcref) (param $i i32) (result funcref i32)
    (table.set $t (i32.and (local.get $i) (i32.const 3)) (local.get $f))
    (ref.func $two) (ref.is_null (local.get $f)))
)
