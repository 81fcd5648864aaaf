import Tensors
import TestSupport
import Testing
import Verification

@testable import Inference
@testable import VectorKernels

/// The batched forward pass and the tiled products change only the order of the loops, so
/// every value must be bit for bit what the unbatched reference computes (in llama.cpp
/// numerics, for batchings that leave the same rows alone: ``LoneRows``).
@Suite("Batched forward pass and tiled products")
struct BatchedForwardTests {
  static func tinyModel(_ mode: NumericMode) throws -> LlamaModel {
    let checkpoint = try LlamaCheckpoint(path: Repository.fixture("gguf/tiny-llama.gguf"))
    return try checkpoint.model(rotary: .llamaCpp, numericMode: mode)
  }

  @Test(
    "Batches of any size give the unbatched pass's hidden states",
    arguments: [NumericMode.exact, .llamaCpp], [1, 3, 7, 256])
  func batchedEqualsReference(mode: NumericMode, batchRows: Int) throws {
    let model = try Self.tinyModel(mode)
    let vocabulary = model.configuration.vocabularySize
    let tokens: [Int32] = (0..<23).map { Int32(($0 * 7919 + 5) % vocabulary) }
    for outputs in [Array(tokens.indices), [22], [4, 0, 17, 4, 9]] {
      let reference = model.forward(tokens: tokens, startPosition: 5, outputs: outputs)
      var cache = KeyValueCache(for: model, startPosition: 5)
      let batched = model.batchedForward(
        tokens: tokens, outputs: outputs, cache: &cache, keepingLayers: false,
        batchRows: batchRows)
      let lone = LoneRows(tokens: tokens.count, batchRows: batchRows, outputs: outputs)
      if mode == .exact
        || lone == LoneRows(tokens: tokens.count, batchRows: tokens.count, outputs: outputs)
      {
        #expect(batched.map(\.bitPattern) == reference.map(\.bitPattern), "outputs \(outputs)")
      } else {
        // llama.cpp sums lone F32 rows in vec_dot's order: the same values to rounding.
        #expect(relativeGap(batched, reference) <= 1e-4, "outputs \(outputs)")
        #expect(batched.map(\.bitPattern) != reference.map(\.bitPattern), "outputs \(outputs)")
      }
      #expect(cache.count == 0)
    }
  }

  @Test(
    "Tiled products equal multiply bit for bit",
    arguments: [DType.f32, .f16, .bf16, .q8_0, .q4_1], [NumericMode.exact, .llamaCpp])
  func tiledEqualsMultiply(dtype: DType, mode: NumericMode) throws {
    var state: UInt64 = 12345
    func random() -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return state >> 11
    }
    for (rows, columns) in [(37, 64), (8, 32), (90, 96), (5, 48)] {
      guard let byteCount = dtype.byteCount(elements: rows * columns) else { continue }
      var bytes = (0..<byteCount).map { _ in UInt8(truncatingIfNeeded: random()) }
      // Finite F16 block scales (bits 0x3C00 ± small): random bits could be NaN.
      let block = dtype == .q8_0 ? 34 : dtype == .q4_1 ? 20 : 0
      if block > 0 {
        for start in stride(from: 0, to: byteCount, by: block) {
          bytes[start + 1] = 0x30 | (bytes[start + 1] & 0x0F)
          if dtype == .q4_1 { bytes[start + 3] = 0xB0 | (bytes[start + 3] & 0x0F) }
        }
      } else if dtype == .f16 {
        // Exponent at most 15: finite, and products stay far from overflow.
        for start in stride(from: 0, to: byteCount, by: 2) { bytes[start + 1] &= 0xBF }
      } else {
        // F32 and BF16 share the top byte: exponent below 128.
        let size = dtype == .f32 ? 4 : 2
        for start in stride(from: 0, to: byteCount, by: size) { bytes[start + size - 1] &= 0xBF }
      }
      let view = try TensorView(
        name: "w", dtype: dtype, shape: [rows, columns], bytes: bytes)
      let matrix = try WeightMatrix(view, rows: rows, columns: columns)
      for count in [1, 2, 3, 4, 5, 7, 16] {
        let input = (0..<(count * columns)).map { _ in Float(Int(random() % 2001) - 1000) / 317 }
        let expected = matrix.multiply(input, count: count, mode: mode)
        var actual = [Float](repeating: .nan, count: count * rows)
        input.withUnsafeBufferPointer { x in
          actual.withUnsafeMutableBufferPointer { y in
            matrix.product(x.baseAddress!, count: count, mode: mode, into: y.baseAddress!)
          }
        }
        #expect(
          actual.map(\.bitPattern) == expected.map(\.bitPattern),
          "\(dtype) \(mode) \(rows)×\(columns), \(count) vectors")
      }
      // The lane decoders against Dequantization, row by row.
      for row in 0..<rows {
        var reference = [Float](repeating: 0, count: columns)
        var scratch = [Float](repeating: 0, count: columns)
        bytes.withUnsafeBytes { raw in
          let source = raw.baseAddress! + row * matrix.rowBytes
          reference.withUnsafeMutableBufferPointer {
            Inference.Dequantization.decode(
              source, dtype: dtype, count: columns, into: $0.baseAddress!)
          }
          scratch.withUnsafeMutableBufferPointer { out in
            let decoded = VectorKernels.Kernels.decodedRow(
              source, dtype: dtype, columns: columns, scratch: out.baseAddress!)
            for i in 0..<columns { out[i] = decoded[i] }
          }
        }
        #expect(scratch.map(\.bitPattern) == reference.map(\.bitPattern), "\(dtype) row \(row)")
      }
    }
  }

  /// At every kernel level the CPU runs: the baseline's Float tiles, AVX2's `maddubs` and
  /// AVX-512 VNNI's `dpbusd` (CBlockProducts) give the Float reference's bits.
  /// Exact generation decodes Q4_1 weights as one `fma(q, d, m)` on AVX2 (`block_products.c`)
  /// where the reference rounds `q·d`, then `+ m`: the same bits because `q·d` is exact. Block
  /// scales from every finite F16 exponent (subnormal `d`, 65504, `m` cancelling `q·d`) and rows
  /// that end mid-tile, at every kernel level.
  @Test(
    "One-vector block products decode every finite F16 scale as the reference does",
    arguments: [DType.q8_0, .q4_1])
  func oneVectorBlocksTakeAnyScale(dtype: DType) throws {
    var state: UInt64 = 4242
    func random() -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return state >> 11
    }
    let block = dtype == .q8_0 ? 34 : 20
    for (rows, columns) in [(13, 64), (4, 32), (7, 160)] {
      let byteCount = rows * columns / 32 * block
      var bytes = (0..<byteCount).map { _ in UInt8(truncatingIfNeeded: random()) }
      for start in stride(from: 0, to: byteCount, by: block) {
        // Any finite F16 (exponent field below 31), either sign.
        for offset in dtype == .q4_1 ? [0, 2] : [0] {
          let bits =
            UInt16(truncatingIfNeeded: random()) % 0x7C00 | (random() & 1 == 0 ? 0 : 0x8000)
          bytes[start + offset] = UInt8(bits & 0xFF)
          bytes[start + offset + 1] = UInt8(bits >> 8)
        }
        if dtype == .q4_1, random() % 4 == 0 {
          // m = −15·d: the top quant's value cancels to zero.
          let d = Float(Float16(bitPattern: UInt16(bytes[start]) | UInt16(bytes[start + 1]) << 8))
          let m = Float16(-15 * d)
          if m.isFinite {
            bytes[start + 2] = UInt8(m.bitPattern & 0xFF)
            bytes[start + 3] = UInt8(m.bitPattern >> 8)
          }
        }
      }
      let view = try TensorView(name: "w", dtype: dtype, shape: [rows, columns], bytes: bytes)
      let matrix = try WeightMatrix(view, rows: rows, columns: columns)
      let input = (0..<columns).map { _ in Float(Int(random() % 2001) - 1000) / 1e6 }
      let expected = matrix.multiply(input, count: 1, mode: .exact)
      for level in KernelLevel.runnable {
        var actual = [Float](repeating: .nan, count: rows)
        KernelLevel.withLevel(level) {
          input.withUnsafeBufferPointer { x in
            actual.withUnsafeMutableBufferPointer { y in
              matrix.product(x.baseAddress!, count: 1, mode: .exact, into: y.baseAddress!)
            }
          }
        }
        #expect(
          actual.map(\.bitPattern) == expected.map(\.bitPattern),
          "\(dtype) \(rows)×\(columns) at \(level)")
      }
    }
  }

  @Test(
    "Integer block products give one dotQ4One / dotQ8Zero per output",
    arguments: [DType.q8_0, .q4_1], [1, 2, 5, 9])
  func blockTilesEqualOneChainPerOutput(dtype: DType, count: Int) throws {
    for level in KernelLevel.runnable {
      try KernelLevel.withLevel(level) {
        try blockTilesEqualOneChainPerOutput(dtype: dtype, count: count, level: level)
      }
    }
  }

  func blockTilesEqualOneChainPerOutput(dtype: DType, count: Int, level: KernelLevel) throws {
    var state: UInt64 = 777
    func random() -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return state >> 11
    }
    let (rows, columns) = (37, 96)
    let block = dtype == .q8_0 ? 34 : 20
    let blocks = columns / 32
    var bytes = (0..<(rows * blocks * block)).map { _ in UInt8(truncatingIfNeeded: random()) }
    for start in stride(from: 0, to: bytes.count, by: block) {
      bytes[start + 1] = 0x30 | (bytes[start + 1] & 0x0F)
      if dtype == .q4_1 { bytes[start + 3] = 0xB0 | (bytes[start + 3] & 0x0F) }
    }
    let matrix = try WeightMatrix(
      try TensorView(name: "w", dtype: dtype, shape: [rows, columns], bytes: bytes),
      rows: rows, columns: columns)
    let input = (0..<(count * columns)).map { _ in Float(Int(random() % 2001) - 1000) / 317 }
    let actual = matrix.multiply(input, count: count, mode: .llamaCpp)
    // The reference: every output its own unpacked row and one accumulator chain.
    let activations = BlockActivations(input, columns: columns, withSums: dtype == .q4_1)
    var expected = [Float](repeating: .nan, count: count * rows)
    var lanes = [Float](repeating: 0, count: blocks * 34)
    bytes.withUnsafeBytes { raw in
      lanes.withUnsafeMutableBufferPointer { unpacked in
        activations.lanes.withUnsafeBufferPointer { quants in
          activations.scales.withUnsafeBufferPointer { scales in
            activations.sums.withUnsafeBufferPointer { sums in
              let w = unpacked.baseAddress!
              let ad = scales.baseAddress!
              let s = sums.baseAddress ?? ad
              for r in 0..<rows {
                let row = raw.baseAddress! + r * blocks * block
                if dtype == .q4_1 {
                  VectorKernels.Kernels.unpackQ4One(
                    row, blocks: blocks, lanes: w, scales: w + 32 * blocks,
                    minimums: w + 33 * blocks)
                } else {
                  VectorKernels.Kernels.unpackQ8Zero(
                    row, blocks: blocks, lanes: w, scales: w + 32 * blocks)
                }
                for t in 0..<count {
                  let a = quants.baseAddress! + t * columns
                  expected[t * rows + r] =
                    dtype == .q4_1
                    ? VectorKernels.Kernels.dotQ4One(
                      lanes: w, scales: w + 32 * blocks, minimums: w + 33 * blocks,
                      activations: a, activationScales: ad + t * blocks,
                      activationSums: s + t * blocks, blocks: blocks)
                    : VectorKernels.Kernels.dotQ8Zero(
                      lanes: w, scales: w + 32 * blocks, activations: a,
                      activationScales: ad + t * blocks, blocks: blocks)
                }
              }
            }
          }
        }
      }
    }
    #expect(actual.map(\.bitPattern) == expected.map(\.bitPattern), "\(level.rawValue)")
    #expect(!expected.contains { $0.isNaN })
  }

  /// Activations that are not finite (an overflowing layer, a block of subnormals whose
  /// `127/amax` overflows) quantize as ggml's x86 conversion leaves them, −128, in both
  /// forms, instead of trapping in a conversion to Int; a prompt's blocks (256 or more) are
  /// quantized over the cores with the same result as one at a time.
  @Test func nonFiniteActivationsQuantizeWithoutTrapping() {
    var input: [Float] = (0..<(300 * 32)).map { (i: Int) -> Float in
      Float((i * 37) % 255) / 7 - 18
    }
    input[5] = .nan
    input[40] = .infinity
    for e in 64..<96 { input[e] = Float.leastNonzeroMagnitude * Float(e % 3) }
    let columns = 32
    let activations = BlockActivations(input, columns: columns, withSums: true)
    #expect(activations.quants[5] == -128)
    #expect(activations.quants[40] == -128)
    #expect(activations.lanes[(5 & 3) * 8 + (5 >> 2)] == -128)
    #expect(activations.scales[1].isInfinite)
    // 2⁻¹⁴⁹·k times an overflowed 127/amax is ∞, and 0·∞ is NaN: the whole block is −128.
    #expect((64..<96).allSatisfy { activations.quants[$0] == -128 })
    #expect(activations.quants[100] != -128)
    // Block by block (one block: no threads).
    let single = stride(from: 0, to: input.count, by: 32).map {
      BlockActivations(Array(input[$0..<($0 + 32)]), columns: 32, withSums: true)
    }
    #expect(single.flatMap(\.quants) == activations.quants)
    #expect(single.flatMap(\.lanes).map(\.bitPattern) == activations.lanes.map(\.bitPattern))
    #expect(
      single.flatMap(\.scales).map(\.bitPattern) == activations.scales.map(\.bitPattern))
    #expect(single.flatMap(\.sums).map(\.bitPattern) == activations.sums.map(\.bitPattern))
  }

  @Test("One thread gives the same logits as all of them")
  func threadCounts() throws {
    let model = try Self.tinyModel(.exact)
    let tokens: [Int32] = [1, 15, 42, 7, 99, 3]
    let all = try model.logits(tokens: tokens)
    let saved = Parallelism.threadCount
    defer { Parallelism.threadCount = saved }
    Parallelism.threadCount = 1
    let one = try model.logits(tokens: tokens)
    #expect(one.map { $0.map(\.bitPattern) } == all.map { $0.map(\.bitPattern) })
  }
}
