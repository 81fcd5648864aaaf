import Tensors

/// The vector kernels of the forward pass as one set of entry points, implemented once in
/// Swift and compiled once per x86-64 instruction-set level (`VectorKernels`,
/// `VectorKernelsAVX2`, `VectorKernelsAVX512`); Inference picks a set at run time.
///
/// Each call is coarse (a share of matrix rows, a group of attention pairs), so calling through
/// the protocol costs nothing measurable. Every set runs the same Swift arithmetic, so every
/// set returns the same bits; only the instructions differ.
public protocol VectorKernelSet: Sendable {
  /// The x86-64 microarchitecture level the set was compiled for: 4 (AVX-512), 3 (AVX2 with
  /// FMA and F16C) or 1 (the target's baseline, also every non-x86 build).
  static var level: Int { get }

  /// Decodes `count` elements of `dtype` at `source` into `target` (ggml's `dequantize_row_*`;
  /// `count` a whole number of blocks).
  static func decode(
    _ source: UnsafeRawPointer, dtype: DType, count: Int, into target: UnsafeMutablePointer<Float>)

  /// Rows `first..<end` of the product `input · Wᵀ` for `count` vectors of `columns` values
  /// (`columns` a multiple of `lanes`), into `output` (`count × rows`, row-major): per output
  /// one chain of `lanes` fused lanes over the decoded row (16: exact numerics and tinyBLAS on
  /// AVX-512, reduced as `_mm512_reduce_add_ps`; 8: tinyBLAS on AVX2, its `hsum`), several
  /// outputs at a time (tiles).
  static func tiledRows(
    weights: UnsafeRawPointer, rowBytes: Int, dtype: DType, rows: Int, columns: Int, first: Int,
    end: Int, input: UnsafePointer<Float>, count: Int, lanes: Int,
    output: UnsafeMutablePointer<Float>)

  /// Rows `first..<end` of `W · input` for one vector as ggml's `vec_dot` of the rows' type
  /// (`ggml_vec_dot_f32`, `_f16` or `_bf16`) sums it in the llama.cpp build of `lanes` (8 or 16)
  /// Floats: a one-token batch, which tinyBLAS declines.
  static func vectorDotRows(
    weights: UnsafeRawPointer, rowBytes: Int, dtype: DType, columns: Int, first: Int, end: Int,
    input: UnsafePointer<Float>, lanes: Int, output: UnsafeMutablePointer<Float>)

  /// The same outputs as ``tiledRows(weights:rowBytes:dtype:rows:columns:first:end:input:count:output:)``
  /// one at a time: each row decoded, then one product per input vector (any `columns`; a
  /// length not a multiple of `lanes` takes four Float accumulators).
  static func multiplyRows(
    weights: UnsafeRawPointer, rowBytes: Int, dtype: DType, rows: Int, columns: Int, first: Int,
    end: Int, input: UnsafePointer<Float>, count: Int, lanes: Int,
    output: UnsafeMutablePointer<Float>)

  /// Rows `first..<end` of Q8_0 weights times Q8_0 activations (tinyBLAS order), or of Q4_1
  /// weights times Q8_1 activations (`ggml_vec_dot_q4_1_q8_1` order) when `minimums`. The
  /// activations are given twice, as lane-ordered quants in Floats (`activations`) and as
  /// bytes in element order (`quants`), each `count × columns`, with one scale per 32 and, for
  /// Q8_1, one sum per 32 (`activationSums`, not read otherwise). Levels with integer dot
  /// products read the bytes, the baseline the Floats.
  static func multiplyBlockRows(
    weights: UnsafeRawPointer, rowBytes: Int, rows: Int, columns: Int, first: Int, end: Int,
    activations: UnsafePointer<Float>, quants: UnsafePointer<Int8>,
    activationScales: UnsafePointer<Float>,
    activationSums: UnsafePointer<Float>, count: Int, minimums: Bool,
    output: UnsafeMutablePointer<Float>)

  /// (query, head) pairs that ``attendExact(queries:outputs:keyCounts:pairs:keys:values:stride:dimension:)``
  /// takes in one call.
  static var attentionPairsPerGroup: Int { get }

  /// Exact attention (`softmax(q·Kᵀ/√d)·V`) for `pairs` (query, head) pairs of one KV head:
  /// pair `p` reads `queries[p]`, attends to its first `keyCounts[p]` keys (rows `stride`
  /// apart) and writes `dimension` values to `outputs[p]`. `dimension` must be a multiple of 4.
  static func attendExact(
    queries: UnsafePointer<UnsafePointer<Float>>,
    outputs: UnsafePointer<UnsafeMutablePointer<Float>>, keyCounts: UnsafePointer<Int>,
    pairs: Int, keys: UnsafePointer<Float>, values: UnsafePointer<Float>, stride: Int,
    dimension: Int)

  /// One (query, head) of the reference attention: scores of the first `keyCount` keys times
  /// `scale`, softmax, `V·p` into `out` (which must hold zeros); `scores` is scratch for
  /// `keyCount` values. With `roundProbabilities` (llama.cpp numerics, flash attention off)
  /// the sums are tinyBLAS's, or ggml's `vec_dot_f16` order when `singleTokenBatch`, in the
  /// llama.cpp build of `lanes` (8 or 16) Floats, and the probabilities are rounded to F16.
  static func attendOne(
    query: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
    stride: Int, keyCount: Int, dimension: Int, scale: Float, roundProbabilities: Bool,
    singleTokenBatch: Bool, lanes: Int, scores: UnsafeMutablePointer<Float>,
    into out: UnsafeMutablePointer<Float>)

  /// Query tokens per tile and keys per KV tile of llama.cpp's tiled flash-attention path
  /// (`GGML_FA_TILE_Q`, `_KV`).
  static var flashAttentionTile: Int { get }

  /// One (query, head) of llama.cpp's one-chunk flash-attention path over `count` keys.
  static func flashAttentionOneChunk(
    query: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
    stride: Int, count: Int, dimension: Int, scale: Float, lanes: Int,
    into out: UnsafeMutablePointer<Float>)

  /// One (query, head) of llama.cpp's tiled flash-attention path: `count` unmasked keys of
  /// `keysInView`, the keys as ``TransposedKeys`` lays them out (values `stride` apart).
  static func flashAttentionTiled(
    query: UnsafePointer<Float>, transposedKeys: UnsafePointer<Float>,
    values: UnsafePointer<Float>, stride: Int, count: Int, keysInView: Int, dimension: Int,
    scale: Float, lanes: Int, into out: UnsafeMutablePointer<Float>)

  /// One query token of llama.cpp's split-key flash-attention path, the `keysInView` keys cut
  /// into `threads` chunks.
  static func flashAttentionSplit(
    query: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
    stride: Int, count: Int, keysInView: Int, threads: Int, dimension: Int, scale: Float,
    lanes: Int, into out: UnsafeMutablePointer<Float>)

  /// `silu(g)·u` for `count` values as ggml's `swiglu` in the llama.cpp build of `lanes` (8 or
  /// 16) Floats, into `gate`.
  static func swiGLUGGML(
    gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int, lanes: Int)

  /// LayerNorm of one vector of `count` values in place, as ggml's `norm` (in the llama.cpp
  /// build of `lanes` Floats) then `mul` by `weight` then `add` of `bias` (when given).
  static func layerNormGGML(
    _ vector: UnsafeMutablePointer<Float>, count: Int, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?, epsilon: Float, lanes: Int)
}
