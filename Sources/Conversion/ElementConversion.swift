import Formats
import Quantization
import Tensors

/// Element type encoding of the converter, in one place so the quantization module's encoders
/// can take its place: F16 and BF16 with round-to-nearest-even (NaN and infinities kept, as
/// numpy and gguf-py write them); Q8_0 as ggml's `quantize_row_q8_0_ref`. (Sources are read
/// by the forward pass's `Dequantization`.)
enum ElementConversion {
  /// Encodes whole rows of `values` (`rowLength` each) as `type` into `output`, which holds
  /// exactly their bytes; `rowLength` must already be checked with
  /// `Quantizer.rowByteCount(rowLength:type:)`, so nothing can fail here.
  static func encode(
    _ values: UnsafeBufferPointer<Float>, rowLength: Int, as type: DType,
    into output: UnsafeMutableRawBufferPointer
  ) {
    switch type {
    case .f16:
      for (i, value) in values.enumerated() {
        output.storeBytes(
          of: HalfFloat.half(from: value).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
      }
    case .bf16:
      for (i, value) in values.enumerated() {
        output.storeBytes(
          of: HalfFloat.bfloat16(from: value).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
      }
    case .f32:
      for (i, value) in values.enumerated() {
        output.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
      }
    default:
      do {
        try Quantizer.quantize(values, rowLength: rowLength, to: type, into: output)
      } catch {
        preconditionFailure("rows checked by Quantizer.rowByteCount: \(error)")
      }
    }
  }
}
