import Tensors
import Testing
import Verification

@testable import Inference

/// The batched forward pass and the tiled products change only the order of the loops, so
/// every value must be bit for bit what the unbatched reference computes.
@Suite("Batched forward pass and tiled products")
struct BatchedForwardTests {
  static func tinyModel(_ mode: NumericMode) throws -> LlamaModel {
    let checkpoint = try LlamaCheckpoint(path: ReferenceLogits.fixture("gguf/tiny-llama.gguf"))
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
      #expect(batched.map(\.bitPattern) == reference.map(\.bitPattern), "outputs \(outputs)")
      #expect(cache.count == 0)
    }
  }

  @Test("Tiled exact products equal multiply bit for bit", arguments: [DType.f32, .q8_0, .q4_1])
  func tiledEqualsMultiply(dtype: DType) throws {
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
      } else {
        for start in stride(from: 0, to: byteCount, by: 4) { bytes[start + 3] &= 0xBF }
      }
      let view = try TensorView(
        name: "w", dtype: dtype, shape: [rows, columns], bytes: bytes)
      let matrix = try WeightMatrix(view, rows: rows, columns: columns)
      for count in [1, 2, 3, 4, 5, 7, 16] {
        let input = (0..<(count * columns)).map { _ in Float(Int(random() % 2001) - 1000) / 317 }
        let expected = matrix.multiply(input, count: count, mode: .exact)
        var actual = [Float](repeating: .nan, count: count * rows)
        input.withUnsafeBufferPointer { x in
          actual.withUnsafeMutableBufferPointer { y in
            matrix.product(x.baseAddress!, count: count, mode: .exact, into: y.baseAddress!)
          }
        }
        #expect(
          actual.map(\.bitPattern) == expected.map(\.bitPattern),
          "\(dtype) \(rows)×\(columns), \(count) vectors")
      }
      // The lane decoders against Dequantization, row by row.
      for row in 0..<rows {
        var reference = [Float](repeating: 0, count: columns)
        var scratch = [Float](repeating: 0, count: columns)
        bytes.withUnsafeBytes { raw in
          let source = raw.baseAddress! + row * matrix.rowBytes
          reference.withUnsafeMutableBufferPointer {
            Dequantization.decode(source, dtype: dtype, count: columns, into: $0.baseAddress!)
          }
          scratch.withUnsafeMutableBufferPointer { out in
            let decoded = WeightMatrix.decodedRow(
              source, dtype: dtype, columns: columns, scratch: out.baseAddress!)
            for i in 0..<columns { out[i] = decoded[i] }
          }
        }
        #expect(scratch.map(\.bitPattern) == reference.map(\.bitPattern), "\(dtype) row \(row)")
      }
    }
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
