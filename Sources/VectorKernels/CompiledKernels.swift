import CBlockProducts
import KernelInterface
import Tensors

/// This copy of the vector kernels, compiled for one instruction-set level (``level``).
///
/// Every entry point is `@inline(never)`: SwiftPM's cross-module optimisation would otherwise
/// copy a small body into the caller, where it would be compiled for the caller's (baseline)
/// instruction set, with a library call per `fma` and software F16 conversions. Each call is
/// coarse, so the call itself costs nothing measurable.
public enum CompiledKernels: VectorKernelSet {
  #if SPINDLE_KERNELS_AVX512
  public static let level = 4
  #elseif SPINDLE_KERNELS_AVX2
  public static let level = 3
  #else
  public static let level = 1
  #endif

  @inline(never)
  public static func decode(
    _ source: UnsafeRawPointer, dtype: DType, count: Int, into target: UnsafeMutablePointer<Float>
  ) {
    Dequantization.decode(source, dtype: dtype, count: count, into: target)
  }

  @inline(never)
  public static func tiledRows(
    weights: UnsafeRawPointer, rowBytes: Int, dtype: DType, rows: Int, columns: Int, first: Int,
    end: Int, input: UnsafePointer<Float>, count: Int, lanes: Int,
    output: UnsafeMutablePointer<Float>
  ) {
    if lanes == 8 {
      Kernels.tiledRows(
        SIMD8<Float>.self, weights: weights, rowBytes: rowBytes, dtype: dtype, rows: rows,
        columns: columns, first: first, end: end, input: input, count: count, output: output)
    } else {
      Kernels.tiledRows(
        SIMD16<Float>.self, weights: weights, rowBytes: rowBytes, dtype: dtype, rows: rows,
        columns: columns, first: first, end: end, input: input, count: count, output: output)
    }
  }

  @inline(never)
  public static func vectorDotRows(
    weights: UnsafeRawPointer, rowBytes: Int, dtype: DType, columns: Int, first: Int, end: Int,
    input: UnsafePointer<Float>, lanes: Int, output: UnsafeMutablePointer<Float>
  ) {
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: columns)
    defer { scratch.deallocate() }
    let halfRows = dtype == .f16
    for r in first..<end {
      let row = Kernels.decodedRow(
        weights + r * rowBytes, dtype: dtype, columns: columns, scratch: scratch)
      output[r] =
        dtype == .bf16
        ? Kernels.dotGGMLVectorBF16(lanes: lanes, row, input, count: columns)
        : lanes == 8
          ? Kernels.dotGGMLVector(SIMD8<Float>.self, row, input, count: columns, halfRows: halfRows)
          : Kernels.dotGGMLVector(
            SIMD16<Float>.self, row, input, count: columns, halfRows: halfRows)
    }
  }

  @inline(never)
  public static func multiplyRows(
    weights: UnsafeRawPointer, rowBytes: Int, dtype: DType, rows: Int, columns: Int, first: Int,
    end: Int, input: UnsafePointer<Float>, count: Int, lanes: Int,
    output: UnsafeMutablePointer<Float>
  ) {
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: columns)
    defer { scratch.deallocate() }
    for r in first..<end {
      Dequantization.decode(weights + r * rowBytes, dtype: dtype, count: columns, into: scratch)
      for t in 0..<count {
        let x = input + t * columns
        output[t * rows + r] =
          lanes == 8
          ? Kernels.dotF16Lanes(SIMD8<Float>.self, scratch, x, count: columns)
          : Kernels.dotF16Lanes(SIMD16<Float>.self, scratch, x, count: columns)
      }
    }
  }

  /// The integer block products this CPU runs (`spindle_block_products_level`): 2 with AVX-512
  /// VNNI, 1 with AVX2.
  static let integerProducts = Int(spindle_block_products_level())

  /// Integer products with AVX2 or AVX-512, exact small-integer Floats at the baseline.
  ///
  /// The integer ones are `maddubs`/`madd`, or VNNI's `dpbusd`: CBlockProducts' functions, each
  /// with its own target attribute, as ggml's x86 kernels. Both give the same integer sums, so
  /// the same bits.
  @inline(never)
  public static func multiplyBlockRows(
    weights: UnsafeRawPointer, rowBytes: Int, rows: Int, columns: Int, first: Int, end: Int,
    activations: UnsafePointer<Float>, quants: UnsafePointer<Int8>,
    activationScales: UnsafePointer<Float>, activationSums: UnsafePointer<Float>, count: Int,
    minimums: Bool, output: UnsafeMutablePointer<Float>
  ) {
    #if SPINDLE_KERNELS_AVX512 || SPINDLE_KERNELS_AVX2
    #if SPINDLE_KERNELS_AVX512
    let integer = integerProducts == 2 ? spindle_block_rows_vnni : spindle_block_rows_avx2
    #else
    let integer = spindle_block_rows_avx2
    #endif
    integer(
      weights, rowBytes, columns / 32, rows, first, end, quants, activationScales,
      activationSums, count, minimums ? 1 : 0, output)
    #else
    Kernels.multiplyBlockRows(
      weights: weights, rowBytes: rowBytes, rows: rows, columns: columns, first: first, end: end,
      activations: activations, activationScales: activationScales,
      activationSums: activationSums, count: count, minimums: minimums, output: output)
    #endif
  }

  @inline(never)
  public static func attendExact(
    queries: UnsafePointer<UnsafePointer<Float>>,
    outputs: UnsafePointer<UnsafeMutablePointer<Float>>, keyCounts: UnsafePointer<Int>,
    pairs: Int, keys: UnsafePointer<Float>, values: UnsafePointer<Float>, stride: Int,
    dimension: Int
  ) {
    // Tiles of four pairs that read each block of keys and values together (AttentionTile).
    let tiles = Swift.stride(from: 0, to: pairs, by: AttentionTile.capacity).map { first in
      var tile = AttentionTile(count: Swift.min(AttentionTile.capacity, pairs - first))
      for c in 0..<tile.count {
        tile.queries[c] = queries[first + c]
        tile.outputs[c] = outputs[first + c]
        tile.keyCounts[c] = keyCounts[first + c]
      }
      return tile
    }
    AttentionTile.attend(
      tiles, keys: keys, values: values, stride: stride, dimension: dimension)
  }

  /// Eight tiles of four: their scores at 32k keys (4 MB) stay in the L3 cache.
  public static let attentionPairsPerGroup = 8 * AttentionTile.capacity

  @inline(never)
  public static func attendOne(
    query: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
    stride: Int, keyCount: Int, dimension d: Int, scale: Float, roundProbabilities: Bool,
    singleTokenBatch: Bool, lanes: Int, scores: UnsafeMutablePointer<Float>,
    into out: UnsafeMutablePointer<Float>
  ) {
    if lanes == 8 {
      attendOne(
        SIMD8<Float>.self, query: query, keys: keys, values: values, stride: stride,
        keyCount: keyCount, dimension: d, scale: scale, roundProbabilities: roundProbabilities,
        singleTokenBatch: singleTokenBatch, scores: scores, into: out)
    } else {
      attendOne(
        SIMD16<Float>.self, query: query, keys: keys, values: values, stride: stride,
        keyCount: keyCount, dimension: d, scale: scale, roundProbabilities: roundProbabilities,
        singleTokenBatch: singleTokenBatch, scores: scores, into: out)
    }
  }

  @inline(__always)
  static func attendOne<V: FusedLanes>(
    _: V.Type, query: UnsafePointer<Float>, keys: UnsafePointer<Float>,
    values: UnsafePointer<Float>, stride: Int, keyCount: Int, dimension d: Int, scale: Float,
    roundProbabilities: Bool, singleTokenBatch: Bool, scores: UnsafeMutablePointer<Float>,
    into out: UnsafeMutablePointer<Float>
  ) {
    for j in 0..<keyCount {
      let key = keys + j * stride
      let product =
        !roundProbabilities
        ? Kernels.dot(query, key, count: d)
        : singleTokenBatch
          ? Kernels.dotGGMLVector(V.self, query, key, count: d)
          : Kernels.dotF16Lanes(V.self, query, key, count: d)
      scores[j] = product * scale
    }
    if roundProbabilities {
      Kernels.softmaxGGML(V.self, scores, count: keyCount)
      for j in 0..<keyCount { scores[j] = Kernels.roundedToHalf(scores[j]) }
    } else {
      Kernels.softmax(scores, count: keyCount)
    }
    if roundProbabilities && singleTokenBatch {
      Kernels.accumulateValuesGGMLVector(
        V.self, values: values, stride: stride, probabilities: scores, keys: keyCount, dimension: d,
        into: out)
    } else if roundProbabilities {
      // tinyBLAS over the transposed F16 V cache: lane j mod KN per key.
      Kernels.accumulateValuesGGML(
        V.self, values: values, stride: stride, probabilities: scores, keys: keyCount, dimension: d,
        into: out)
    } else {
      for j in 0..<keyCount {
        let p = scores[j]
        let value = values + j * stride
        for t in 0..<d { out[t] += p * value[t] }
      }
    }
  }

  public static let flashAttentionTile = Kernels.flashAttentionTile

  @inline(never)
  public static func flashAttentionOneChunk(
    query: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
    stride: Int, count: Int, dimension: Int, scale: Float, lanes: Int,
    into out: UnsafeMutablePointer<Float>
  ) {
    if lanes == 8 {
      Kernels.flashAttentionOneChunk(
        SIMD8<Float>.self, query: query, keys: keys, values: values, stride: stride,
        count: count, dimension: dimension, scale: scale, into: out)
    } else {
      Kernels.flashAttentionOneChunk(
        SIMD16<Float>.self, query: query, keys: keys, values: values, stride: stride,
        count: count, dimension: dimension, scale: scale, into: out)
    }
  }

  @inline(never)
  public static func flashAttentionTiled(
    query: UnsafePointer<Float>, transposedKeys: UnsafePointer<Float>,
    values: UnsafePointer<Float>, stride: Int, count: Int, keysInView: Int, dimension: Int,
    scale: Float, lanes: Int, into out: UnsafeMutablePointer<Float>
  ) {
    if lanes == 8 {
      Kernels.flashAttentionTiled(
        SIMD8<Float>.self, query: query, transposedKeys: transposedKeys, values: values,
        stride: stride, count: count, keysInView: keysInView, dimension: dimension, scale: scale,
        into: out)
    } else {
      Kernels.flashAttentionTiled(
        SIMD16<Float>.self, query: query, transposedKeys: transposedKeys, values: values,
        stride: stride, count: count, keysInView: keysInView, dimension: dimension, scale: scale,
        into: out)
    }
  }

  @inline(never)
  public static func flashAttentionSplit(
    query: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
    stride: Int, count: Int, keysInView: Int, threads: Int, dimension: Int, scale: Float,
    lanes: Int, into out: UnsafeMutablePointer<Float>
  ) {
    if lanes == 8 {
      Kernels.flashAttentionSplit(
        SIMD8<Float>.self, query: query, keys: keys, values: values, stride: stride,
        count: count, keysInView: keysInView, threads: threads, dimension: dimension,
        scale: scale, into: out)
    } else {
      Kernels.flashAttentionSplit(
        SIMD16<Float>.self, query: query, keys: keys, values: values, stride: stride,
        count: count, keysInView: keysInView, threads: threads, dimension: dimension,
        scale: scale, into: out)
    }
  }

  @inline(never)
  public static func swiGLUGGML(
    gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int, lanes: Int
  ) {
    if lanes == 8 {
      Kernels.swiGLUGGML(SIMD8<Float>.self, gate: gate, up: up, count: count)
    } else {
      Kernels.swiGLUGGML(SIMD16<Float>.self, gate: gate, up: up, count: count)
    }
  }

  @inline(never)
  public static func layerNormGGML(
    _ vector: UnsafeMutablePointer<Float>, count: Int, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?, epsilon: Float, lanes: Int
  ) {
    if lanes == 8 {
      Kernels.layerNormGGML(
        SIMD8<Float>.self, vector, count: count, weight: weight, bias: bias, epsilon: epsilon)
    } else {
      Kernels.layerNormGGML(
        SIMD16<Float>.self, vector, count: count, weight: weight, bias: bias, epsilon: epsilon)
    }
  }
}
