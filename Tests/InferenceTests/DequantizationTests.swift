import Formats
import Foundation
import Inference
import Tensors
import TestSupport
import Testing

/// Every row decoder against `gguf.quants.dequantize` (`fixtures/dequant/generate.py`), bit
/// for bit.
@Suite("Dequantization")
struct DequantizationTests {
  static let types: [DType] = [
    .f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K,
  ]

  @Test func everyDecodableTypeIsInTheFixture() {
    #expect(Set(Self.types) == TensorView.decodableTypes)
  }

  @Test(arguments: types)
  func matchesGGUFPy(_ dtype: DType) throws {
    let file = try GGUFFile(path: Repository.fixture("dequant/dequant.gguf"))
    func view(_ suffix: String) throws -> TensorView {
      let name = "\(dtype.name).\(suffix)"
      let entry = try #require(file.tensors.first { $0.name == name }, "\(name) is missing")
      return try TensorView(
        name: entry.name, dtype: entry.dtype, shape: entry.shape, file: file.file,
        byteRange: entry.byteRange)
    }
    let quantized = try view("quantized")
    #expect(quantized.dtype == dtype)
    let ours = try quantized.floats()
    let expected = try view("expected").floats()
    #expect(ours.count == expected.count)
    let differing = zip(ours, expected).filter { $0.bitPattern != $1.bitPattern }.count
    #expect(differing == 0, "\(differing) of \(ours.count) values differ")
    // Streaming through a small buffer gives the same values.
    let block = dtype.blockSize == 1 ? 32 : dtype.blockSize
    var streamed = [Float](repeating: .nan, count: ours.count)
    for start in stride(from: 0, to: ours.count, by: block) {
      try streamed.withUnsafeMutableBufferPointer { buffer throws(InferenceError) in
        try quantized.decode(
          elementsFrom: start,
          into: UnsafeMutableBufferPointer(rebasing: buffer[start..<(start + block)]))
      }
    }
    #expect(streamed.map(\.bitPattern) == ours.map(\.bitPattern))
  }

  @Test func partialBlocksAreRefused() throws {
    let view = try TensorView(
      name: "w", dtype: .q8_0, shape: [64], bytes: [UInt8](repeating: 0, count: 68))
    var buffer = [Float](repeating: 0, count: 16)
    #expect(throws: InferenceError.self) {
      try buffer.withUnsafeMutableBufferPointer { b throws(InferenceError) in
        try view.decode(elementsFrom: 0, into: b)
      }
    }
  }
}
