import Tensors

/// Turns rows of `Float` into a GGUF tensor type's bytes, bit-identical to ggml's reference
/// quantizers (`quantize_row_*_ref`, what `llama-quantize` runs without an importance matrix).
///
/// The float operations follow ggml-quants.c in its order, one rounding per C operation: the
/// peers' `libggml-base.a` is built `-O3` for baseline x86-64, which has no FMA instruction, so
/// GCC contracts nothing (make_vectors.sh checks the library has no `vfmadd`), and Swift never
/// contracts either. F16 is ggml's scalar `ggml_compute_fp32_to_fp16` (round to nearest even;
/// every NaN becomes `sign | 0x7E00`, unlike `Float16`, which keeps payload bits), BF16 is
/// `ggml_compute_fp32_to_bf16`. Rows are independent, so callers split a tensor's rows over
/// threads by calling ``quantize(_:rowLength:rows:to:into:)`` with disjoint row ranges of the
/// same buffers.
public enum Quantizer {
  /// The target types, in the order `spindle convert --dtype` lists them.
  public static let supportedTypes: [DType] = [
    .f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K,
  ]

  /// Bytes that `rows` rows of `rowLength` values take in `type`.
  public static func byteCount(rows: Int, rowLength: Int, type: DType) throws -> Int {
    let rowBytes = try rowByteCount(rowLength: rowLength, type: type)
    let (bytes, overflow) = rows.multipliedReportingOverflow(by: rowBytes)
    guard rows >= 0, !overflow else {
      throw QuantizationError(
        .rowsOutOfRange, "\(rows) rows of \(rowLength) \(type) values do not fit in memory")
    }
    return bytes
  }

  /// Bytes one row of `rowLength` values takes in `type`.
  public static func rowByteCount(rowLength: Int, type: DType) throws -> Int {
    guard supportedTypes.contains(type) else {
      throw QuantizationError(
        .unsupportedType,
        "cannot quantize to \(type); supported: "
          + supportedTypes.map { $0.name.lowercased() }.joined(separator: ", "))
    }
    guard rowLength > 0, rowLength % type.blockSize == 0,
      let bytes = type.byteCount(elements: rowLength)
    else {
      throw QuantizationError(
        .rowLengthNotBlockMultiple,
        "a row of \(rowLength) values is not a whole number of \(type) blocks of "
          + "\(type.blockSize)")
    }
    return bytes
  }

  /// Quantizes every row of `source` (`rowLength` values each) into `target`, which must be
  /// exactly ``byteCount(rows:rowLength:type:)`` bytes.
  public static func quantize(
    _ source: UnsafeBufferPointer<Float>, rowLength: Int, to type: DType,
    into target: UnsafeMutableRawBufferPointer
  ) throws {
    guard rowLength > 0 else {
      _ = try rowByteCount(rowLength: rowLength, type: type)
      return
    }
    try quantize(
      source, rowLength: rowLength, rows: 0..<(source.count / rowLength), to: type, into: target)
  }

  /// Quantizes rows `rows` of the tensor `source` into their place in the tensor `target`.
  ///
  /// `source` and `target` are the whole tensor (all rows), so threads given disjoint ranges
  /// write disjoint bytes of one output buffer.
  public static func quantize(
    _ source: UnsafeBufferPointer<Float>, rowLength: Int, rows: Range<Int>, to type: DType,
    into target: UnsafeMutableRawBufferPointer
  ) throws {
    let rowBytes = try rowByteCount(rowLength: rowLength, type: type)
    let rowCount = source.count / rowLength
    guard source.count % rowLength == 0 else {
      throw QuantizationError(
        .rowsOutOfRange,
        "\(source.count) values are not whole rows of \(rowLength)")
    }
    guard rows.lowerBound >= 0, rows.upperBound <= rowCount else {
      throw QuantizationError(
        .rowsOutOfRange, "rows \(rows.lowerBound)..<\(rows.upperBound) are outside 0..<\(rowCount)")
    }
    guard target.count == rowCount * rowBytes else {
      throw QuantizationError(
        .targetSizeMismatch,
        "\(rowCount) rows of \(rowLength) \(type) values take \(rowCount * rowBytes) bytes, "
          + "the target has \(target.count)")
    }
    guard !rows.isEmpty, let x = source.baseAddress, let y = target.baseAddress else { return }
    let count = rows.count * rowLength
    let values = x + rows.lowerBound * rowLength
    let output = y + rows.lowerBound * rowBytes
    switch type {
    case .f32: output.copyMemory(from: values, byteCount: count * 4)
    case .f16: FloatConversion.half(values, count: count, into: output)
    case .bf16: FloatConversion.bfloat16(values, count: count, into: output)
    case .q8_0: LegacyQuants.q8Zero(values, count: count, into: output)
    case .q4_0: LegacyQuants.q4Zero(values, count: count, into: output)
    case .q4_1: LegacyQuants.q4One(values, count: count, into: output)
    case .q5_0: LegacyQuants.q5Zero(values, count: count, into: output)
    case .q5_1: LegacyQuants.q5One(values, count: count, into: output)
    case .q4_K: KQuants.q4K(values, count: count, into: output)
    case .q5_K: KQuants.q5K(values, count: count, into: output)
    case .q6_K: KQuants.q6K(values, count: count, into: output)
    default: preconditionFailure("rowByteCount admits only supported types")
    }
  }
}
