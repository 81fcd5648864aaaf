import Formats
import Quantization
import Tensors

/// Element type conversion of the converter, in one place so the quantization module's
/// encoders can take its place: F32, F16 and BF16 read exactly; F16 and BF16 written with
/// round-to-nearest-even (NaN and infinities kept, as numpy and gguf-py write them); Q8_0 as
/// ggml's `quantize_row_q8_0_ref`.
enum ElementConversion {
  /// The elements of `bytes`, stored as `type` (F32, F16 or BF16, little-endian).
  static func decode(_ bytes: UnsafeRawBufferPointer, _ type: DType, into values: inout [Float]) {
    values.removeAll(keepingCapacity: true)
    switch type {
    case .f16:
      for i in 0..<(bytes.count / 2) {
        values.append(
          HalfFloat.float(
            fromHalf: UInt16(
              littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
      }
    case .bf16:
      for i in 0..<(bytes.count / 2) {
        values.append(
          HalfFloat.float(
            fromBFloat16: UInt16(
              littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
      }
    default:
      for i in 0..<(bytes.count / 4) {
        values.append(
          Float(
            bitPattern: UInt32(
              littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))))
      }
    }
  }

  /// Appends one row of `values` encoded as `type` to `output`; a Q8_0 row holds whole blocks.
  static func encode(_ values: ArraySlice<Float>, as type: DType, into output: inout [UInt8]) {
    switch type {
    case .f16:
      for value in values { append(HalfFloat.half(from: value), to: &output) }
    case .bf16:
      for value in values { append(HalfFloat.bfloat16(from: value), to: &output) }
    case .q8_0:
      var start = values.startIndex
      while start < values.endIndex {
        let block = values[start..<min(start + 32, values.endIndex)]
        appendQ8Zero(block, to: &output)
        start += 32
      }
    default:
      for value in values {
        let bits = value.bitPattern.littleEndian
        output.append(UInt8(truncatingIfNeeded: bits))
        output.append(UInt8(truncatingIfNeeded: bits >> 8))
        output.append(UInt8(truncatingIfNeeded: bits >> 16))
        output.append(UInt8(truncatingIfNeeded: bits >> 24))
      }
    }
  }

  /// `block_q8_0`: `d = max|x| / 127` stored as F16, `q = roundf(x / d)` (ties away from zero)
  /// computed as `x · (1/d)` in Float, as `quantize_row_q8_0_ref` does.
  private static func appendQ8Zero(_ block: ArraySlice<Float>, to output: inout [UInt8]) {
    var amax: Float = 0
    for value in block { amax = max(amax, abs(value)) }
    let d = amax / 127
    let id: Float = d != 0 ? 1 / d : 0
    append(HalfFloat.half(from: d), to: &output)
    for value in block {
      let q = (value * id).rounded(.toNearestOrAwayFromZero)
      output.append(UInt8(bitPattern: Int8(q)))
    }
  }

  /// Whether `type` is written by the `Quantization` module's reference quantizers (the
  /// 4/5-bit and k-quant types; Q8_0 keeps the converter's own row form above, the same bytes).
  static func isQuantizedByQuantizer(_ type: DType) -> Bool {
    [.q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K].contains(type)
  }

  /// Whole rows of `values` (`rowLength` each) quantized to `type` into `output`, as ggml's
  /// `quantize_row_*_ref`; a row that is not whole blocks is an error naming the tensor.
  static func quantize(
    _ values: [Float], rowLength: Int, as type: DType, into output: inout [UInt8], tensor: String
  ) throws(FormatError) {
    do {
      let rows = values.count / max(1, rowLength)
      let count = try Quantizer.byteCount(rows: rows, rowLength: rowLength, type: type)
      if output.count != count { output = [UInt8](repeating: 0, count: count) }
      try values.withUnsafeBufferPointer { source in
        try output.withUnsafeMutableBytes { target in
          try Quantizer.quantize(source, rowLength: rowLength, to: type, into: target)
        }
      }
    } catch {
      throw FormatError(
        .invalidArgument, path: "", name: tensor, "cannot quantize \(tensor) to \(type): \(error)")
    }
  }

  private static func append(_ bits: UInt16, to output: inout [UInt8]) {
    output.append(UInt8(truncatingIfNeeded: bits))
    output.append(UInt8(truncatingIfNeeded: bits >> 8))
  }
}
