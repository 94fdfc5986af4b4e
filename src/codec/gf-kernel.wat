;; GF(2^8) multiply-accumulate kernels for Reed-Solomon (poly 0x11D), WebAssembly SIMD.
;;
;; Split-nibble multiplication: for a coefficient c, c*x = LO_c[x & 15] XOR HI_c[x >> 4], where
;; LO_c[n] = c*n and HI_c[n] = c*(n << 4) are 16-byte tables looked up 16 lanes at a time with
;; i8x16.swizzle (one pshufb on x64). Each function computes G output shards in one pass over
;; the inputs, so every input vector is loaded once per G outputs.
;;
;; Memory layout is decided by the caller (src/codec/wasm-kernel.ts):
;;   ins   -> nin little-endian i32 addresses of input shards
;;   outs  -> G i32 addresses of output shards
;;   tab   -> nin * G * 32 bytes of nibble tables, input-major
;;   [start, end) column range, both multiples of 16; shards must be readable/writable there.
;; Outputs must not alias inputs. nin >= 1.
;;
;; The relaxed-SIMD variant is this same text with every `i8x16.swizzle` replaced by
;; `i8x16.relaxed_swizzle` (done by src/codec/build-wasm.ts): our indices are always < 16, where
;; both instructions agree, and relaxed_swizzle drops the index saturation V8 adds on x64.
(module
  (memory (export "memory") 1)
  ;; mulacc8: for columns [start, end) (multiple of 16), outputs[j] = XOR_i coef[j][i] * inputs[i], j < 8.
  ;; tab: per input i, 8 pairs of 16-byte tables (low nibble, high nibble), stride 256 bytes.
  (func $mulacc8 (export "mulacc8")
    (param $ins i32) (param $nin i32) (param $tab i32) (param $outs i32) (param $start i32) (param $end i32)
    (local $off i32) (local $i i32) (local $t i32)
    (local $v v128) (local $lo v128) (local $hi v128) (local $mask v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $mask (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
    (local.set $off (local.get $start))
    (block $done
      (loop $cols
        (br_if $done (i32.ge_u (local.get $off) (local.get $end)))
        (local.set $a0 (v128.const i64x2 0 0))
        (local.set $a1 (v128.const i64x2 0 0))
        (local.set $a2 (v128.const i64x2 0 0))
        (local.set $a3 (v128.const i64x2 0 0))
        (local.set $a4 (v128.const i64x2 0 0))
        (local.set $a5 (v128.const i64x2 0 0))
        (local.set $a6 (v128.const i64x2 0 0))
        (local.set $a7 (v128.const i64x2 0 0))
        (local.set $i (i32.const 0))
        (local.set $t (local.get $tab))
        (loop $inputs
          (local.set $v (v128.load (i32.add (i32.load (i32.add (local.get $ins) (i32.shl (local.get $i) (i32.const 2)))) (local.get $off))))
          (local.set $lo (v128.and (local.get $v) (local.get $mask)))
          (local.set $hi (i8x16.shr_u (local.get $v) (i32.const 4)))
          (local.set $a0 (v128.xor (local.get $a0) (v128.xor
            (i8x16.swizzle (v128.load offset=0 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=16 (local.get $t)) (local.get $hi)))))
          (local.set $a1 (v128.xor (local.get $a1) (v128.xor
            (i8x16.swizzle (v128.load offset=32 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=48 (local.get $t)) (local.get $hi)))))
          (local.set $a2 (v128.xor (local.get $a2) (v128.xor
            (i8x16.swizzle (v128.load offset=64 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=80 (local.get $t)) (local.get $hi)))))
          (local.set $a3 (v128.xor (local.get $a3) (v128.xor
            (i8x16.swizzle (v128.load offset=96 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=112 (local.get $t)) (local.get $hi)))))
          (local.set $a4 (v128.xor (local.get $a4) (v128.xor
            (i8x16.swizzle (v128.load offset=128 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=144 (local.get $t)) (local.get $hi)))))
          (local.set $a5 (v128.xor (local.get $a5) (v128.xor
            (i8x16.swizzle (v128.load offset=160 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=176 (local.get $t)) (local.get $hi)))))
          (local.set $a6 (v128.xor (local.get $a6) (v128.xor
            (i8x16.swizzle (v128.load offset=192 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=208 (local.get $t)) (local.get $hi)))))
          (local.set $a7 (v128.xor (local.get $a7) (v128.xor
            (i8x16.swizzle (v128.load offset=224 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=240 (local.get $t)) (local.get $hi)))))
          (local.set $t (i32.add (local.get $t) (i32.const 256)))
          (br_if $inputs (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $nin))))
        (v128.store (i32.add (i32.load offset=0 (local.get $outs)) (local.get $off)) (local.get $a0))
        (v128.store (i32.add (i32.load offset=4 (local.get $outs)) (local.get $off)) (local.get $a1))
        (v128.store (i32.add (i32.load offset=8 (local.get $outs)) (local.get $off)) (local.get $a2))
        (v128.store (i32.add (i32.load offset=12 (local.get $outs)) (local.get $off)) (local.get $a3))
        (v128.store (i32.add (i32.load offset=16 (local.get $outs)) (local.get $off)) (local.get $a4))
        (v128.store (i32.add (i32.load offset=20 (local.get $outs)) (local.get $off)) (local.get $a5))
        (v128.store (i32.add (i32.load offset=24 (local.get $outs)) (local.get $off)) (local.get $a6))
        (v128.store (i32.add (i32.load offset=28 (local.get $outs)) (local.get $off)) (local.get $a7))
        (local.set $off (i32.add (local.get $off) (i32.const 16)))
        (br $cols)))
  )

  ;; mulacc4: for columns [start, end) (multiple of 16), outputs[j] = XOR_i coef[j][i] * inputs[i], j < 4.
  ;; tab: per input i, 4 pairs of 16-byte tables (low nibble, high nibble), stride 128 bytes.
  (func $mulacc4 (export "mulacc4")
    (param $ins i32) (param $nin i32) (param $tab i32) (param $outs i32) (param $start i32) (param $end i32)
    (local $off i32) (local $i i32) (local $t i32)
    (local $v v128) (local $lo v128) (local $hi v128) (local $mask v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $mask (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
    (local.set $off (local.get $start))
    (block $done
      (loop $cols
        (br_if $done (i32.ge_u (local.get $off) (local.get $end)))
        (local.set $a0 (v128.const i64x2 0 0))
        (local.set $a1 (v128.const i64x2 0 0))
        (local.set $a2 (v128.const i64x2 0 0))
        (local.set $a3 (v128.const i64x2 0 0))
        (local.set $i (i32.const 0))
        (local.set $t (local.get $tab))
        (loop $inputs
          (local.set $v (v128.load (i32.add (i32.load (i32.add (local.get $ins) (i32.shl (local.get $i) (i32.const 2)))) (local.get $off))))
          (local.set $lo (v128.and (local.get $v) (local.get $mask)))
          (local.set $hi (i8x16.shr_u (local.get $v) (i32.const 4)))
          (local.set $a0 (v128.xor (local.get $a0) (v128.xor
            (i8x16.swizzle (v128.load offset=0 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=16 (local.get $t)) (local.get $hi)))))
          (local.set $a1 (v128.xor (local.get $a1) (v128.xor
            (i8x16.swizzle (v128.load offset=32 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=48 (local.get $t)) (local.get $hi)))))
          (local.set $a2 (v128.xor (local.get $a2) (v128.xor
            (i8x16.swizzle (v128.load offset=64 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=80 (local.get $t)) (local.get $hi)))))
          (local.set $a3 (v128.xor (local.get $a3) (v128.xor
            (i8x16.swizzle (v128.load offset=96 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=112 (local.get $t)) (local.get $hi)))))
          (local.set $t (i32.add (local.get $t) (i32.const 128)))
          (br_if $inputs (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $nin))))
        (v128.store (i32.add (i32.load offset=0 (local.get $outs)) (local.get $off)) (local.get $a0))
        (v128.store (i32.add (i32.load offset=4 (local.get $outs)) (local.get $off)) (local.get $a1))
        (v128.store (i32.add (i32.load offset=8 (local.get $outs)) (local.get $off)) (local.get $a2))
        (v128.store (i32.add (i32.load offset=12 (local.get $outs)) (local.get $off)) (local.get $a3))
        (local.set $off (i32.add (local.get $off) (i32.const 16)))
        (br $cols)))
  )

  ;; mulacc2: for columns [start, end) (multiple of 16), outputs[j] = XOR_i coef[j][i] * inputs[i], j < 2.
  ;; tab: per input i, 2 pairs of 16-byte tables (low nibble, high nibble), stride 64 bytes.
  (func $mulacc2 (export "mulacc2")
    (param $ins i32) (param $nin i32) (param $tab i32) (param $outs i32) (param $start i32) (param $end i32)
    (local $off i32) (local $i i32) (local $t i32)
    (local $v v128) (local $lo v128) (local $hi v128) (local $mask v128)
    (local $a0 v128) (local $a1 v128)
    (local.set $mask (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
    (local.set $off (local.get $start))
    (block $done
      (loop $cols
        (br_if $done (i32.ge_u (local.get $off) (local.get $end)))
        (local.set $a0 (v128.const i64x2 0 0))
        (local.set $a1 (v128.const i64x2 0 0))
        (local.set $i (i32.const 0))
        (local.set $t (local.get $tab))
        (loop $inputs
          (local.set $v (v128.load (i32.add (i32.load (i32.add (local.get $ins) (i32.shl (local.get $i) (i32.const 2)))) (local.get $off))))
          (local.set $lo (v128.and (local.get $v) (local.get $mask)))
          (local.set $hi (i8x16.shr_u (local.get $v) (i32.const 4)))
          (local.set $a0 (v128.xor (local.get $a0) (v128.xor
            (i8x16.swizzle (v128.load offset=0 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=16 (local.get $t)) (local.get $hi)))))
          (local.set $a1 (v128.xor (local.get $a1) (v128.xor
            (i8x16.swizzle (v128.load offset=32 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=48 (local.get $t)) (local.get $hi)))))
          (local.set $t (i32.add (local.get $t) (i32.const 64)))
          (br_if $inputs (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $nin))))
        (v128.store (i32.add (i32.load offset=0 (local.get $outs)) (local.get $off)) (local.get $a0))
        (v128.store (i32.add (i32.load offset=4 (local.get $outs)) (local.get $off)) (local.get $a1))
        (local.set $off (i32.add (local.get $off) (i32.const 16)))
        (br $cols)))
  )

  ;; mulacc1: for columns [start, end) (multiple of 16), outputs[j] = XOR_i coef[j][i] * inputs[i], j < 1.
  ;; tab: per input i, 1 pairs of 16-byte tables (low nibble, high nibble), stride 32 bytes.
  (func $mulacc1 (export "mulacc1")
    (param $ins i32) (param $nin i32) (param $tab i32) (param $outs i32) (param $start i32) (param $end i32)
    (local $off i32) (local $i i32) (local $t i32)
    (local $v v128) (local $lo v128) (local $hi v128) (local $mask v128)
    (local $a0 v128)
    (local.set $mask (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
    (local.set $off (local.get $start))
    (block $done
      (loop $cols
        (br_if $done (i32.ge_u (local.get $off) (local.get $end)))
        (local.set $a0 (v128.const i64x2 0 0))
        (local.set $i (i32.const 0))
        (local.set $t (local.get $tab))
        (loop $inputs
          (local.set $v (v128.load (i32.add (i32.load (i32.add (local.get $ins) (i32.shl (local.get $i) (i32.const 2)))) (local.get $off))))
          (local.set $lo (v128.and (local.get $v) (local.get $mask)))
          (local.set $hi (i8x16.shr_u (local.get $v) (i32.const 4)))
          (local.set $a0 (v128.xor (local.get $a0) (v128.xor
            (i8x16.swizzle (v128.load offset=0 (local.get $t)) (local.get $lo))
            (i8x16.swizzle (v128.load offset=16 (local.get $t)) (local.get $hi)))))
          (local.set $t (i32.add (local.get $t) (i32.const 32)))
          (br_if $inputs (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $nin))))
        (v128.store (i32.add (i32.load offset=0 (local.get $outs)) (local.get $off)) (local.get $a0))
        (local.set $off (i32.add (local.get $off) (i32.const 16)))
        (br $cols)))
  )
)
