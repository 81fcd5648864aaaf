import Quantization
import Tensors
import Testing

@Suite("Quantizer errors")
struct QuantizerErrorTests {
  @Test func rowLengthNotBlockMultiple() {
    #expect(
      throws: QuantizationError(
        .rowLengthNotBlockMultiple,
        "a row of 576 values is not a whole number of Q4_K blocks of 256")
    ) {
      try Quantizer.byteCount(rows: 3, rowLength: 576, type: .q4_K)
    }
    #expect(
      throws: QuantizationError(
        .rowLengthNotBlockMultiple, "a row of 0 values is not a whole number of Q8_0 blocks of 32")
    ) {
      try Quantizer.rowByteCount(rowLength: 0, type: .q8_0)
    }
  }

  @Test func unsupportedType() {
    #expect(
      throws: QuantizationError(
        .unsupportedType,
        "cannot quantize to Q2_K; supported: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, "
          + "q5_k, q6_k")
    ) {
      try Quantizer.byteCount(rows: 1, rowLength: 256, type: .q2_K)
    }
  }

  @Test func byteCounts() throws {
    #expect(try Quantizer.byteCount(rows: 3, rowLength: 576, type: .q8_0) == 3 * 18 * 34)
    #expect(try Quantizer.byteCount(rows: 2, rowLength: 512, type: .q6_K) == 2 * 2 * 210)
    #expect(try Quantizer.byteCount(rows: 2, rowLength: 7, type: .bf16) == 28)
  }

  @Test func buffersThatDoNotFit() {
    let values = [Float](repeating: 1, count: 96)
    var target = [UInt8](repeating: 0, count: 3 * 34)
    values.withUnsafeBufferPointer { source in
      target.withUnsafeMutableBytes { bytes in
        #expect(
          throws: QuantizationError(
            .targetSizeMismatch, "3 rows of 32 Q8_0 values take 102 bytes, the target has 100")
        ) {
          try Quantizer.quantize(
            source, rowLength: 32, to: .q8_0,
            into: UnsafeMutableRawBufferPointer(rebasing: bytes[0..<100]))
        }
        #expect(
          throws: QuantizationError(.rowsOutOfRange, "rows 2..<4 are outside 0..<3")
        ) {
          try Quantizer.quantize(source, rowLength: 32, rows: 2..<4, to: .q8_0, into: bytes)
        }
        #expect(
          throws: QuantizationError(.rowsOutOfRange, "96 values are not whole rows of 64")
        ) {
          try Quantizer.quantize(source, rowLength: 64, to: .q8_0, into: bytes)
        }
      }
    }
  }
}
