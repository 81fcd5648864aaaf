/// An element type: the union of safetensors dtypes and ggml tensor types.
///
/// Storage is described in blocks: `blockSize` elements take `blockBytes` bytes. Plain types
/// have blocks of one element; sub-byte safetensors types (F4, F6) and ggml quantizations have
/// larger blocks. A tensor's innermost dimension must be a whole number of blocks for ggml
/// types; safetensors only requires the whole tensor to end on a byte.
public enum DType: Hashable, Sendable, CaseIterable {
  // safetensors dtypes, in the Rust crate's declaration (alignment) order.
  case bool, f4, f6E2M3, f6E3M2, u8, i8, f8E5M2, f8E4M3, f8E8M0, f8E4M3FNUZ, f8E5M2FNUZ
  case i16, u16, f16, bf16, i32, u32, f32, c64, f64, i64, u64
  // ggml-only types.
  case q4_0, q4_1, q5_0, q5_1, q8_0, q8_1, q2_K, q3_K, q4_K, q5_K, q6_K, q8_K
  case iq2_XXS, iq2_XS, iq3_XXS, iq1_S, iq4_NL, iq3_S, iq2_S, iq4_XS, iq1_M
  case tq1_0, tq2_0, mxfp4, nvfp4, q1_0, q2_0

  /// The dtype string safetensors uses, if this type exists there.
  public var safetensorsName: String? { DType.table[self]?.safetensors }

  /// The ggml type id GGUF stores, if this type exists there.
  public var ggmlType: Int? { DType.table[self]?.ggml }

  /// ggml's name for the type (`F32`, `Q4_K`), or the safetensors name for the others.
  public var name: String {
    if let info = DType.table[self] { return info.ggmlName ?? info.safetensors ?? "\(self)" }
    return "\(self)"
  }

  /// Elements per storage block.
  public var blockSize: Int { DType.table[self]?.blockSize ?? 1 }

  /// Bytes per storage block.
  public var blockBytes: Int { DType.table[self]?.blockBytes ?? 0 }

  /// Bits per element as safetensors counts them (block types: average).
  public var bitsPerElement: Double { Double(blockBytes * 8) / Double(blockSize) }

  /// Whether this is a ggml block-quantized type.
  public var isQuantized: Bool { blockSize > 1 && safetensorsName == nil }

  /// Position in the safetensors crate's `Dtype` enum (the writer sorts by it, descending).
  public var safetensorsRank: Int? { DType.safetensorsOrder.firstIndex(of: self) }

  /// Looks up a safetensors dtype string (`"BF16"`); `nil` when unknown.
  public init?(safetensorsName: String) {
    guard let found = DType.bySafetensorsName[safetensorsName] else { return nil }
    self = found
  }

  /// Looks up a ggml type id; `nil` when unknown or removed.
  public init?(ggmlType: Int) {
    guard let found = DType.byGGMLType[ggmlType] else { return nil }
    self = found
  }

  /// Looks up a type by its ggml or safetensors name, case-insensitively (`q4_k`, `bf16`).
  public init?(name: String) {
    let upper = name.uppercased()
    if let found = DType.allCases.first(where: { $0.name.uppercased() == upper }) {
      self = found
    } else if let found = DType.bySafetensorsName[upper] {
      self = found
    } else {
      return nil
    }
  }

  /// ggml type ids that existed once and are now rejected by readers.
  public static let removedGGMLTypes: Set<Int> = [4, 5, 31, 32, 33, 36, 37, 38]

  /// One past the largest ggml type id (`GGML_TYPE_COUNT`).
  public static let ggmlTypeCount = 43

  /// Bytes taken by `elementCount` elements, or `nil` if they do not fill whole blocks or
  /// the size overflows.
  public func byteCount(elements elementCount: Int) -> Int? {
    guard elementCount >= 0, elementCount % blockSize == 0 else { return nil }
    let (bytes, overflow) = (elementCount / blockSize).multipliedReportingOverflow(by: blockBytes)
    return overflow ? nil : bytes
  }

  struct Info {
    var safetensors: String?
    var ggml: Int?
    var ggmlName: String?
    var blockSize: Int
    var blockBytes: Int
  }

  static let safetensorsOrder: [DType] = [
    .bool, .f4, .f6E2M3, .f6E3M2, .u8, .i8, .f8E5M2, .f8E4M3, .f8E8M0, .f8E4M3FNUZ, .f8E5M2FNUZ,
    .i16, .u16, .f16, .bf16, .i32, .u32, .f32, .c64, .f64, .i64, .u64,
  ]

  static let table: [DType: Info] = {
    func st(_ name: String, _ blockSize: Int, _ blockBytes: Int, ggml: Int? = nil) -> Info {
      Info(
        safetensors: name, ggml: ggml, ggmlName: ggml == nil ? nil : name, blockSize: blockSize,
        blockBytes: blockBytes)
    }
    func gg(_ name: String, _ id: Int, _ blockSize: Int, _ blockBytes: Int) -> Info {
      Info(safetensors: nil, ggml: id, ggmlName: name, blockSize: blockSize, blockBytes: blockBytes)
    }
    return [
      .bool: st("BOOL", 1, 1), .f4: st("F4", 2, 1), .f6E2M3: st("F6_E2M3", 4, 3),
      .f6E3M2: st("F6_E3M2", 4, 3), .u8: st("U8", 1, 1), .i8: st("I8", 1, 1, ggml: 24),
      .f8E5M2: st("F8_E5M2", 1, 1), .f8E4M3: st("F8_E4M3", 1, 1), .f8E8M0: st("F8_E8M0", 1, 1),
      .f8E4M3FNUZ: st("F8_E4M3FNUZ", 1, 1), .f8E5M2FNUZ: st("F8_E5M2FNUZ", 1, 1),
      .i16: st("I16", 1, 2, ggml: 25), .u16: st("U16", 1, 2), .f16: st("F16", 1, 2, ggml: 1),
      .bf16: st("BF16", 1, 2, ggml: 30), .i32: st("I32", 1, 4, ggml: 26), .u32: st("U32", 1, 4),
      .f32: st("F32", 1, 4, ggml: 0), .c64: st("C64", 1, 8), .f64: st("F64", 1, 8, ggml: 28),
      .i64: st("I64", 1, 8, ggml: 27), .u64: st("U64", 1, 8),
      .q4_0: gg("Q4_0", 2, 32, 18), .q4_1: gg("Q4_1", 3, 32, 20), .q5_0: gg("Q5_0", 6, 32, 22),
      .q5_1: gg("Q5_1", 7, 32, 24), .q8_0: gg("Q8_0", 8, 32, 34), .q8_1: gg("Q8_1", 9, 32, 36),
      .q2_K: gg("Q2_K", 10, 256, 84), .q3_K: gg("Q3_K", 11, 256, 110),
      .q4_K: gg("Q4_K", 12, 256, 144), .q5_K: gg("Q5_K", 13, 256, 176),
      .q6_K: gg("Q6_K", 14, 256, 210), .q8_K: gg("Q8_K", 15, 256, 292),
      .iq2_XXS: gg("IQ2_XXS", 16, 256, 66), .iq2_XS: gg("IQ2_XS", 17, 256, 74),
      .iq3_XXS: gg("IQ3_XXS", 18, 256, 98), .iq1_S: gg("IQ1_S", 19, 256, 50),
      .iq4_NL: gg("IQ4_NL", 20, 32, 18), .iq3_S: gg("IQ3_S", 21, 256, 110),
      .iq2_S: gg("IQ2_S", 22, 256, 82), .iq4_XS: gg("IQ4_XS", 23, 256, 136),
      .iq1_M: gg("IQ1_M", 29, 256, 56), .tq1_0: gg("TQ1_0", 34, 256, 54),
      .tq2_0: gg("TQ2_0", 35, 256, 66), .mxfp4: gg("MXFP4", 39, 32, 17),
      .nvfp4: gg("NVFP4", 40, 64, 36), .q1_0: gg("Q1_0", 41, 128, 18),
      .q2_0: gg("Q2_0", 42, 64, 18),
    ]
  }()

  static let bySafetensorsName: [String: DType] = Dictionary(
    uniqueKeysWithValues: table.compactMap { key, info in info.safetensors.map { ($0, key) } })

  static let byGGMLType: [Int: DType] = Dictionary(
    uniqueKeysWithValues: table.compactMap { key, info in info.ggml.map { ($0, key) } })
}

extension DType: CustomStringConvertible {
  public var description: String { name }
}
