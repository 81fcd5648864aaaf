import Quantization
import Tensors
import Testing

@Suite("Quantizers against ggml's reference vectors")
struct ReferenceVectorTests {
  @Test(
    "bit-identical to ggml_quantize_chunk on random and SmolLM2 rows",
    arguments: [DType.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K])
  func rows(type: DType) throws {
    let rows = try ReferenceRows("rows")
    let expected = try ReferenceRows.expected("rows", type)
    let ours = try rows.quantized(type)
    let rowBytes = try Quantizer.rowByteCount(rowLength: rows.rowLength, type: type)
    #expect(firstDifference(ours, expected, rowBytes: rowBytes) == nil)
  }

  @Test(
    "F32, F16 and BF16 of ±Inf, NaNs, subnormals and rounding ties as ggml converts them",
    arguments: [DType.f32, .f16, .bf16])
  func specials(type: DType) throws {
    let rows = try ReferenceRows("special")
    let expected = try ReferenceRows.expected("special", type)
    let ours = try rows.quantized(type)
    let rowBytes = try Quantizer.rowByteCount(rowLength: rows.rowLength, type: type)
    #expect(firstDifference(ours, expected, rowBytes: rowBytes) == nil)
  }

  /// Row ranges quantized one at a time (as threads would) fill the same bytes, and rows of
  /// four reference rows give the same bytes as the rows themselves (blocks are independent).
  @Test(
    "row ranges and longer rows give the same bytes",
    arguments: [DType.f16, .q8_0, .q4_1, .q5_0, .q4_K, .q6_K])
  func rowRanges(type: DType) throws {
    let rows = try ReferenceRows("rows")
    let expected = try ReferenceRows.expected("rows", type)
    let split = [0..<5, 5..<5, 5..<17, 17..<rows.rowCount]
    #expect(try rows.quantized(type, ranges: split) == expected)
    #expect(try rows.quantized(type, rowLength: rows.rowLength * 4) == expected)
  }
}
