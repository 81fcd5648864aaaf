/// The type tag of a GGUF metadata value (`gguf_type`, ids 0–12).
public enum GGUFValueType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
  case uint8 = 0, int8, uint16, int16, uint32, int32, float32, bool, string, array, uint64, int64
  case float64

  /// One past the largest id (`GGUF_TYPE_COUNT`).
  public static let count = 13

  /// Bytes per value for fixed-size types; `nil` for strings and arrays.
  public var fixedSize: Int? {
    switch self {
    case .uint8, .int8, .bool: 1
    case .uint16, .int16: 2
    case .uint32, .int32, .float32: 4
    case .uint64, .int64, .float64: 8
    case .string, .array: nil
    }
  }

  /// The fewest bytes one value can take: its fixed size, the length prefix of a string, or
  /// the element type and count of an array.
  public var minimumSize: Int { fixedSize ?? (self == .string ? 8 : 12) }

  /// gguf-py's name for the type (`UINT32`, `STRING`).
  public var name: String {
    switch self {
    case .uint8: "UINT8"
    case .int8: "INT8"
    case .uint16: "UINT16"
    case .int16: "INT16"
    case .uint32: "UINT32"
    case .int32: "INT32"
    case .float32: "FLOAT32"
    case .bool: "BOOL"
    case .string: "STRING"
    case .array: "ARRAY"
    case .uint64: "UINT64"
    case .int64: "INT64"
    case .float64: "FLOAT64"
    }
  }

  public var description: String { name }
}
