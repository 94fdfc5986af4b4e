/**
 * Generator of the BLAKE3 WebAssembly kernel's text (WAT). The 7 rounds × 8 G functions with
 * the message permutation unroll to a few thousand instructions, so the text is generated
 * rather than written by hand; `build-wasm.ts` assembles it with `wabt`. Pure: no I/O.
 *
 * The module exports its memory and two functions:
 * - `hash_many(in, n, stride, blocks, out, key, ctrLo, ctrHi, ctrInc, flags, flagsStart, flagsEnd)`
 *   compresses `n` inputs of `blocks` 64-byte blocks each (input i at `in + i·stride`), four at
 *   a time in i32x4 lanes, and writes the 32-byte chaining value of input i to `out + 32·i`.
 *   Input i starts from the key words at `key` and uses counter `ctr + i·ctrInc`; every block
 *   gets `flags`, the first also `flagsStart`, the last also `flagsEnd`. Whole chunks are
 *   (stride 1024, blocks 16, ctrInc 1, CHUNK_START, CHUNK_END); parents are (stride 64,
 *   blocks 1, ctrInc 0, PARENT). See [Note: BLAKE3 SIMD lanes] in blake3.ts.
 * - `compress(cv, block, blockLen, ctrLo, ctrHi, flags)`: one scalar compression; replaces
 *   the 8 words at `cv` with the new chaining value (the first 8 output words).
 */

/** Size of the kernel's memory in 64 KiB pages; fixed (see [Note: BLAKE3 kernel memory] in blake3.ts). */
export const BLAKE3_MEMORY_PAGES = 2

/** BLAKE3 initialisation vector (the SHA-256 IV). BLAKE3 spec §2.2. */
export const BLAKE3_IV = [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19] as const

/** Message word permutation applied between rounds. BLAKE3 spec §2.2, Table 2. */
const MSG_PERMUTATION = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8]

/** The state words each G of a round mixes: 4 columns, then 4 diagonals. BLAKE3 spec §2.2. */
const G_STATE: ReadonlyArray<readonly [number, number, number, number]> = [
  [0, 4, 8, 12], [1, 5, 9, 13], [2, 6, 10, 14], [3, 7, 11, 15],
  [0, 5, 10, 15], [1, 6, 11, 12], [2, 7, 8, 13], [3, 4, 9, 14]
]

/** schedule[r][i]: which original message word is word i in round r. */
function messageSchedule (): number[][] {
  const out = [Array.from({ length: 16 }, (_, i) => i)]
  for (let r = 1; r < 7; r++) out.push(out[r - 1].map((_, i) => out[r - 1][MSG_PERMUTATION[i]]))
  return out
}

const hex = (x: number): string => `0x${(x >>> 0).toString(16)}`
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

/** Byte indices of an `i8x16.shuffle` taking 32-bit words `w` (0–3 from a, 4–7 from b). */
const words = (w: readonly number[]): string => w.flatMap(x => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3]).join(' ')
/** Byte indices rotating each 32-bit lane right by 16 / by 8 (little-endian bytes). */
const ROTR16 = range(4).flatMap(l => [2, 3, 0, 1].map(b => 4 * l + b)).join(' ')
const ROTR8 = range(4).flatMap(l => [1, 2, 3, 0].map(b => 4 * l + b)).join(' ')

/** The 7 rounds on v128 locals $v0..$v15 with message locals $m0..$m15 (4 lanes). */
function simdRounds (): string[] {
  const out: string[] = []
  const get = (n: string): string => `(local.get $${n})`
  const add = (a: string, b: string): string => `(i32x4.add ${a} ${b})`
  const xor = (a: string, b: string): string => `(v128.xor ${a} ${b})`
  const set = (n: string, e: string): void => { out.push(`(local.set $${n} ${e})`) }
  const tee = (n: string, e: string): string => `(local.tee $${n} ${e})`
  for (const s of messageSchedule()) {
    G_STATE.forEach(([a, b, c, d], g) => {
      const [A, B, C, D] = [`v${a}`, `v${b}`, `v${c}`, `v${d}`]
      // BLAKE3 spec §2.2, the G function. Rotations are right rotations.
      set(A, add(add(get(A), get(B)), get(`m${s[2 * g]}`)))
      set(D, rotrVia('t', xor(get(D), get(A)), 16))
      set(C, add(get(C), get(D)))
      set(B, rotrVia('t', xor(get(B), get(C)), 12))
      set(A, add(add(get(A), get(B)), get(`m${s[2 * g + 1]}`)))
      set(D, rotrVia('t', xor(get(D), get(A)), 8))
      set(C, add(get(C), get(D)))
      set(B, rotrVia('t', xor(get(B), get(C)), 7))
    })
  }
  return out

  /**
   * rotr of `e` by `n`. By 16 and 8: a byte swizzle with a constant mask, which V8 lowers to
   * one pshufb with the mask kept in a register (an i8x16.shuffle of the same bytes becomes
   * pshuflw+pshufhw, or a pshufb that rebuilds its mask every time: ~25% slower overall).
   * By 12 and 7: shift, shift, or, evaluating `e` once through the scratch local `t`.
   */
  function rotrVia (t: string, e: string, n: number): string {
    if (n === 16 || n === 8) return `(i8x16.swizzle ${e} (v128.const i8x16 ${n === 16 ? ROTR16 : ROTR8}))`
    return `(v128.or (i32x4.shr_u ${tee(t, e)} (i32.const ${n})) (i32x4.shl ${get(t)} (i32.const ${32 - n})))`
  }
}

/** Rounds of the scalar compression on i32 locals $s0..$s15 with message $w0..$w15. */
function scalarRounds (): string[] {
  const out: string[] = []
  const get = (n: string): string => `(local.get $${n})`
  const set = (n: string, e: string): void => { out.push(`(local.set $${n} ${e})`) }
  for (const s of messageSchedule()) {
    G_STATE.forEach(([a, b, c, d], g) => {
      const [A, B, C, D] = [`s${a}`, `s${b}`, `s${c}`, `s${d}`]
      const mix = (mx: string, r1: number, r2: number): void => {
        set(A, `(i32.add (i32.add ${get(A)} ${get(B)}) ${get(mx)})`)
        set(D, `(i32.rotr (i32.xor ${get(D)} ${get(A)}) (i32.const ${r1}))`)
        set(C, `(i32.add ${get(C)} ${get(D)})`)
        set(B, `(i32.rotr (i32.xor ${get(B)} ${get(C)}) (i32.const ${r2}))`)
      }
      mix(`w${s[2 * g]}`, 16, 12)
      mix(`w${s[2 * g + 1]}`, 8, 7)
    })
  }
  return out
}

/**
 * 4×4 transpose of 32-bit words: rows a,b,c,d (locals) into columns written to `dst` locals.
 * Uses unpack-shaped shuffles that engines lower to punpck{l,h}{dq,qdq}.
 */
function transpose (src: readonly string[], dst: readonly string[]): string[] {
  const get = (n: string): string => `(local.get $${n})`
  const [a, b, c, d] = src.map(get)
  return [
    `(local.set $x0 (i8x16.shuffle ${words([0, 4, 1, 5])} ${a} ${b}))`,
    `(local.set $x1 (i8x16.shuffle ${words([2, 6, 3, 7])} ${a} ${b}))`,
    `(local.set $x2 (i8x16.shuffle ${words([0, 4, 1, 5])} ${c} ${d}))`,
    `(local.set $x3 (i8x16.shuffle ${words([2, 6, 3, 7])} ${c} ${d}))`,
    `(local.set $${dst[0]} (i8x16.shuffle ${words([0, 1, 4, 5])} (local.get $x0) (local.get $x2)))`,
    `(local.set $${dst[1]} (i8x16.shuffle ${words([2, 3, 6, 7])} (local.get $x0) (local.get $x2)))`,
    `(local.set $${dst[2]} (i8x16.shuffle ${words([0, 1, 4, 5])} (local.get $x1) (local.get $x3)))`,
    `(local.set $${dst[3]} (i8x16.shuffle ${words([2, 3, 6, 7])} (local.get $x1) (local.get $x3)))`
  ]
}

/** `hash_many`: groups of 4 inputs, a block loop per group, masked stores of the last group. */
function hashMany (): string {
  const v128Locals = [
    ...range(8).map(i => `h${i}`), ...range(16).map(i => `v${i}`), ...range(16).map(i => `m${i}`),
    'x0', 'x1', 'x2', 'x3', 'a0', 'a1', 'a2', 'a3', 't', 'clo', 'chi'
  ]
  const body: string[] = []
  const push = (...s: string[]): void => { body.push(...s) }
  // Per group of 4 inputs.
  push('(block $done (loop $group')
  push('(br_if $done (i32.le_s (local.get $n) (i32.const 0)))')
  push(...range(8).map(i => `(local.set $h${i} (v128.load32_splat offset=${4 * i} (local.get $key)))`))
  // Counters per lane: ctr + lane·ctrInc as 64-bit (lo, hi) with carry.
  push('(local.set $clo (i32x4.add (i32x4.splat (local.get $ctrLo)) (i32x4.mul (i32x4.splat (local.get $ctrInc)) (v128.const i32x4 0 1 2 3))))')
  push('(local.set $chi (i32x4.sub (i32x4.splat (local.get $ctrHi)) (i32x4.lt_u (local.get $clo) (i32x4.splat (local.get $ctrLo)))))')
  push(...range(4).map(l => `(local.set $p${l} (i32.add (local.get $in) (i32.mul (local.get $stride) (i32.const ${l}))))`))
  push('(local.set $b (i32.const 0))')
  push('(loop $block')
  push('(local.set $bf (i32.or (local.get $flags) (i32.or (select (local.get $flagsStart) (i32.const 0) (i32.eqz (local.get $b))) (select (local.get $flagsEnd) (i32.const 0) (i32.eq (local.get $b) (i32.sub (local.get $blocks) (i32.const 1)))))))')
  // Load the block of each lane and transpose: m_k = word k of the 4 lanes.
  for (let q = 0; q < 4; q++) {
    push(...range(4).map(l => `(local.set $a${l} (v128.load offset=${16 * q} (local.get $p${l})))`))
    push(...transpose(['a0', 'a1', 'a2', 'a3'], range(4).map(k => `m${4 * q + k}`)))
  }
  push(...range(8).map(i => `(local.set $v${i} (local.get $h${i}))`))
  push(...range(4).map(i => `(local.set $v${8 + i} (v128.const i32x4 ${hex(BLAKE3_IV[i])} ${hex(BLAKE3_IV[i])} ${hex(BLAKE3_IV[i])} ${hex(BLAKE3_IV[i])}))`))
  push('(local.set $v12 (local.get $clo))', '(local.set $v13 (local.get $chi))')
  push('(local.set $v14 (v128.const i32x4 64 64 64 64))', '(local.set $v15 (i32x4.splat (local.get $bf)))')
  push(...simdRounds())
  push(...range(8).map(i => `(local.set $h${i} (v128.xor (local.get $v${i}) (local.get $v${i + 8})))`))
  push(...range(4).map(l => `(local.set $p${l} (i32.add (local.get $p${l}) (i32.const 64)))`))
  push('(br_if $block (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $blocks)))')
  push(')')
  // Back to one chaining value per lane; store only the lanes that hold real inputs.
  push(...transpose(['h0', 'h1', 'h2', 'h3'], ['a0', 'a1', 'a2', 'a3']))
  push(...transpose(['h4', 'h5', 'h6', 'h7'], ['v0', 'v1', 'v2', 'v3']))
  for (let l = 0; l < 4; l++) {
    const store = `(v128.store offset=${32 * l} (local.get $out) (local.get $a${l})) (v128.store offset=${32 * l + 16} (local.get $out) (local.get $v${l}))`
    push(l === 0 ? store : `(if (i32.gt_s (local.get $n) (i32.const ${l})) (then ${store}))`)
  }
  push('(local.set $in (i32.add (local.get $in) (i32.shl (local.get $stride) (i32.const 2))))')
  push('(local.set $out (i32.add (local.get $out) (i32.const 128)))')
  push('(local.set $t32 (i32.add (local.get $ctrLo) (i32.shl (local.get $ctrInc) (i32.const 2))))')
  push('(local.set $ctrHi (i32.add (local.get $ctrHi) (i32.lt_u (local.get $t32) (local.get $ctrLo))))')
  push('(local.set $ctrLo (local.get $t32))')
  push('(local.set $n (i32.sub (local.get $n) (i32.const 4)))')
  push('(br $group)')
  push('))')
  const params = ['in', 'n', 'stride', 'blocks', 'out', 'key', 'ctrLo', 'ctrHi', 'ctrInc', 'flags', 'flagsStart', 'flagsEnd']
  return [
    `(func (export "hash_many") ${params.map(p => `(param $${p} i32)`).join(' ')}`,
    `  ${v128Locals.map(l => `(local $${l} v128)`).join(' ')}`,
    '  (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $b i32) (local $bf i32) (local $t32 i32)',
    ...body.map(l => `  ${l}`),
    ')'
  ].join('\n')
}

/** `compress`: the scalar compression (tail chunks, stack merges, the root), i32 locals only. */
function compress (): string {
  const locals = [...range(16).map(i => `s${i}`), ...range(16).map(i => `w${i}`)]
  const body: string[] = [
    ...range(16).map(i => `(local.set $w${i} (i32.load offset=${4 * i} (local.get $block)))`),
    ...range(8).map(i => `(local.set $s${i} (i32.load offset=${4 * i} (local.get $cv)))`),
    ...range(4).map(i => `(local.set $s${8 + i} (i32.const ${hex(BLAKE3_IV[i])}))`),
    '(local.set $s12 (local.get $ctrLo))', '(local.set $s13 (local.get $ctrHi))',
    '(local.set $s14 (local.get $blockLen))', '(local.set $s15 (local.get $flags))',
    ...scalarRounds(),
    ...range(8).map(i => `(i32.store offset=${4 * i} (local.get $cv) (i32.xor (local.get $s${i}) (local.get $s${i + 8})))`)
  ]
  return [
    '(func (export "compress") (param $cv i32) (param $block i32) (param $blockLen i32) (param $ctrLo i32) (param $ctrHi i32) (param $flags i32)',
    `  ${locals.map(l => `(local $${l} i32)`).join(' ')}`,
    ...body.map(l => `  ${l}`),
    ')'
  ].join('\n')
}

/**
 * The kernel's WebAssembly text.
 * @param memoryPages - initial (and fixed) size of the exported memory in 64 KiB pages
 */
export function blake3KernelWat (memoryPages: number): string {
  return [
    ';; GENERATED by src/codec/blake3-wat.ts — BLAKE3 compression, 4 inputs per i32x4 lane group.',
    '(module',
    `(memory (export "memory") ${memoryPages})`,
    hashMany(),
    compress(),
    ')',
    ''
  ].join('\n')
}
