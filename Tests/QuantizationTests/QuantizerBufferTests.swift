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

@Suite("Quantizer inputs outside ggml's domain")
struct NonFiniteInputTests {
  /// NaN, ±Inf and ±3e38 (undefined behaviour in ggml's C for the block types) do not trap,
  /// and the row holding them leaves the next row's bytes as the reference made them.
  @Test(
    "non-finite rows do not trap or disturb their neighbours",
    arguments: [DType.q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K])
  func nonFiniteRow(type: DType) throws {
    let rows = try ReferenceRows("rows")
    let expected = try ReferenceRows.expected("rows", type)
    let rowBytes = try Quantizer.rowByteCount(rowLength: rows.rowLength, type: type)
    var poisoned = (0..<rows.rowLength).map { i -> Float in
      [.nan, .infinity, -.infinity, 3e38, -3e38, 1, 0][i % 7]
    }
    poisoned[0..<32] = ArraySlice(repeating: .nan, count: 32)
    let values = poisoned + rows.values[0..<rows.rowLength]
    var out = [UInt8](repeating: 0, count: 2 * rowBytes)
    try values.withUnsafeBufferPointer { source in
      try out.withUnsafeMutableBytes { target in
        try Quantizer.quantize(source, rowLength: rows.rowLength, to: type, into: target)
      }
    }
    #expect(Array(out[rowBytes...]) == Array(expected[0..<rowBytes]))
  }
}
