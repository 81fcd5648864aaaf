/// One GGUF metadata value.
///
/// Equality compares floats by bit pattern, so a value read back from a file equals the value
/// written (NaN included); `bool` holds what a reader sees (any non-zero byte is `true`).
/// A `STRING` whose bytes are not UTF-8 (gguf.cpp never checks) is a ``rawString(_:)``, kept
/// byte for byte so that writing the file again loses nothing.
public enum GGUFValue: Sendable {
  case uint8(UInt8)
  case int8(Int8)
  case uint16(UInt16)
  case int16(Int16)
  case uint32(UInt32)
  case int32(Int32)
  case float32(Float)
  case bool(Bool)
  case string(String)
  /// A `STRING` whose bytes are not valid UTF-8.
  case rawString([UInt8])
  case array(GGUFArray)
  case uint64(UInt64)
  case int64(Int64)
  case float64(Double)

  /// An array held in memory; every element must be of `elementType`.
  public static func array(_ elementType: GGUFValueType, _ elements: [GGUFValue]) -> GGUFValue {
    .array(GGUFArray(elementType, elements))
  }

  /// The type tag stored in the file.
  public var type: GGUFValueType {
    switch self {
    case .uint8: .uint8
    case .int8: .int8
    case .uint16: .uint16
    case .int16: .int16
    case .uint32: .uint32
    case .int32: .int32
    case .float32: .float32
    case .bool: .bool
    case .string, .rawString: .string
    case .array: .array
    case .uint64: .uint64
    case .int64: .int64
    case .float64: .float64
    }
  }

  /// The type as inspect shows it: `UINT32`, `[STRING]`, `[[INT32]]` (nested element types are
  /// taken from the first element).
  public var typeName: String {
    guard case .array(let array) = self else { return type.name }
    if array.elementType == .array, let first = array.first(1).first {
      return "[\(first.typeName)]"
    }
    return "[\(array.elementType.name)]"
  }

  /// The value of an integer of any width; `nil` for other types or a `UInt64` above `Int.max`.
  public var integer: Int? {
    switch self {
    case .uint8(let value): Int(value)
    case .int8(let value): Int(value)
    case .uint16(let value): Int(value)
    case .int16(let value): Int(value)
    case .uint32(let value): Int(value)
    case .int32(let value): Int(value)
    case .uint64(let value): Int(exactly: value)
    case .int64(let value): Int(value)
    default: nil
    }
  }

  /// The text, if this is a string of valid UTF-8.
  public var string: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  /// The array, if this is one.
  public var arrayValue: GGUFArray? {
    if case .array(let value) = self { return value }
    return nil
  }
}

extension GGUFValue: Equatable {
  public static func == (lhs: GGUFValue, rhs: GGUFValue) -> Bool {
    switch (lhs, rhs) {
    case (.uint8(let a), .uint8(let b)): a == b
    case (.int8(let a), .int8(let b)): a == b
    case (.uint16(let a), .uint16(let b)): a == b
    case (.int16(let a), .int16(let b)): a == b
    case (.uint32(let a), .uint32(let b)): a == b
    case (.int32(let a), .int32(let b)): a == b
    case (.float32(let a), .float32(let b)): a.bitPattern == b.bitPattern
    case (.bool(let a), .bool(let b)): a == b
    case (.string(let a), .string(let b)): a == b
    case (.rawString(let a), .rawString(let b)): a == b
    case (.array(let a), .array(let b)): a == b
    case (.uint64(let a), .uint64(let b)): a == b
    case (.int64(let a), .int64(let b)): a == b
    case (.float64(let a), .float64(let b)): a.bitPattern == b.bitPattern
    default: false
    }
  }
}
