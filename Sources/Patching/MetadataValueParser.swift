public import Formats
import Models

/// Turns command-line text into typed metadata values.
///
/// Strict on purpose: a bool is `true`/`false`/`1`/`0` (any case for the words) and nothing
/// else, so the string "false" can never become `True` the way Python's `bool("false")` does;
/// integers must fit their type; floats use Swift's parser (`nan`, `inf` accepted).
public enum MetadataValueParser {
  /// The type `name` denotes: `uint32`, `INT8`, `float32`, `f32`, `bool`, `string`, `str`, ….
  public static func type(named name: String) -> GGUFValueType? {
    switch name.lowercased() {
    case "f32": return .float32
    case "f64": return .float64
    case "str": return .string
    case "array": return nil
    default: return GGUFValueType.allCases.first { $0.name.lowercased() == name.lowercased() }
    }
  }

  /// `text` as a value of `type`; arrays cannot be written from text.
  public static func value(_ text: String, as type: GGUFValueType, key: String, path: String)
    throws(PatchError) -> GGUFValue
  {
    func bad(_ expected: String) -> PatchError {
      PatchError(
        .invalidValue, path: path, key: key,
        "'\(key)' is \(type.name): expected \(expected), found \"\(text)\"")
    }
    func integer<T: FixedWidthInteger>(_: T.Type) throws(PatchError) -> T {
      guard let value = T(text) else { throw bad("an integer in \(T.min)…\(T.max)") }
      return value
    }
    switch type {
    case .uint8: return .uint8(try integer(UInt8.self))
    case .int8: return .int8(try integer(Int8.self))
    case .uint16: return .uint16(try integer(UInt16.self))
    case .int16: return .int16(try integer(Int16.self))
    case .uint32: return .uint32(try integer(UInt32.self))
    case .int32: return .int32(try integer(Int32.self))
    case .uint64: return .uint64(try integer(UInt64.self))
    case .int64: return .int64(try integer(Int64.self))
    case .float32:
      guard let value = Float(text) else { throw bad("a number") }
      return .float32(value)
    case .float64:
      guard let value = Double(text) else { throw bad("a number") }
      return .float64(value)
    case .bool:
      switch text.lowercased() {
      case "true", "1": return .bool(true)
      case "false", "0": return .bool(false)
      default: throw bad("true, false, 1 or 0")
      }
    case .string:
      return .string(text)
    case .array:
      throw PatchError(
        .unsupported, path: path, key: key,
        "'\(key)' is an array; arrays cannot be set from the command line")
    }
  }
}
