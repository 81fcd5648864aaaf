import Quantization
import Tensors
import Testing

@Suite("Quantizer buffers")
struct QuantizerBufferTests {
  /// A target at an odd address (a tensor inside a mapped file) gets the same bytes.
  @Test("an unaligned target gets the same bytes", arguments: [DType.f16, .bf16, .q5_0, .q6_K])
  func unalignedTarget(type: DType) throws {
    let rows = try ReferenceRows("rows")
    let expected = try ReferenceRows.expected("rows", type)
    var out = [UInt8](repeating: 0, count: expected.count + 1)
    try rows.values.withUnsafeBufferPointer { source in
      try out.withUnsafeMutableBytes { bytes in
        try Quantizer.quantize(
          source, rowLength: rows.rowLength, to: type,
          into: UnsafeMutableRawBufferPointer(rebasing: bytes[1...]))
      }
    }
    #expect(Array(out[1...]) == expected)
  }
}
