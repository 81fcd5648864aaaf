/// A JSON document as Spindle holds it: objects keep their key order, numbers keep their text.
///
/// Parsing and printing go through json-c (see `JSONValue+JSONC.swift`); this type is the
/// C-free model the rest of Spindle uses.
public enum JSONValue: Equatable, Sendable {
  case null
  case bool(Bool)
  case number(JSONNumber)
  case string(String)
  indirect case array([JSONValue])
  indirect case object(JSONObject)

  /// The object's members, if this is an object.
  public var object: JSONObject? {
    if case .object(let value) = self { return value }
    return nil
  }

  /// The elements, if this is an array.
  public var array: [JSONValue]? {
    if case .array(let value) = self { return value }
    return nil
  }

  /// The text, if this is a string.
  public var string: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  /// The number, if this is a number.
  public var number: JSONNumber? {
    if case .number(let value) = self { return value }
    return nil
  }

  /// The value, if this is a Boolean.
  public var bool: Bool? {
    if case .bool(let value) = self { return value }
    return nil
  }

  /// The member named `key`, if this is an object that has one.
  public subscript(key: String) -> JSONValue? {
    object?[key]
  }

  /// The JSON type name, for error messages ("string", "number", …).
  public var typeName: String {
    switch self {
    case .null: "null"
    case .bool: "boolean"
    case .number: "number"
    case .string: "string"
    case .array: "array"
    case .object: "object"
    }
  }

  /// Convenience constructors.
  public static func integer(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }
  public static func double(_ value: Double) -> JSONValue { .number(JSONNumber(value)) }
}

/// A JSON number: its integer value when it has one, its `Double` value, and its source text.
public struct JSONNumber: Equatable, Sendable, CustomStringConvertible {
  /// The number as written in the source (or as Spindle will write it).
  public var text: String
  /// Whether the text is an integer literal (no fraction, no exponent).
  public var isInteger: Bool

  public init(text: String, isInteger: Bool) {
    self.text = text
    self.isInteger = isInteger
  }

  public init(_ value: Int) {
    self.init(text: String(value), isInteger: true)
  }

  public init(_ value: UInt64) {
    self.init(text: String(value), isInteger: true)
  }

  /// A `Double`, written the shortest way that reads back exactly (`1.0`, `1e-05`).
  public init(_ value: Double) {
    var text = "\(value)"
    if value.isFinite && value == value.rounded() && !text.contains("e") && !text.contains(".") {
      text += ".0"
    }
    self.init(text: text, isInteger: false)
  }

  /// The value as a signed 64-bit integer, if it is an integer literal in range.
  public var int64: Int64? { isInteger ? Int64(text) : nil }

  /// The value as an unsigned 64-bit integer, if it is a non-negative integer literal in range.
  public var uint64: UInt64? { isInteger ? UInt64(text) : nil }

  /// The value as an `Int`, if it is an integer literal in range.
  public var int: Int? { isInteger ? Int(text) : nil }

  /// The value as a `Double` (integers convert, possibly rounding).
  public var double: Double { Double(text) ?? .nan }

  public var description: String { text }
}

/// A JSON object's members in document order.
public struct JSONObject: Equatable, Sendable, Sequence {
  /// The members, in order; keys are unique.
  public private(set) var members: [(key: String, value: JSONValue)]

  public init(_ members: [(key: String, value: JSONValue)] = []) {
    self.members = members
  }

  public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
    lhs.members.count == rhs.members.count
      && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
  }

  public var count: Int { members.count }
  public var keys: [String] { members.map(\.key) }

  /// The value for `key`; setting replaces it in place or appends it, `nil` removes it.
  public subscript(key: String) -> JSONValue? {
    get { members.first(where: { $0.key == key })?.value }
    set {
      if let index = members.firstIndex(where: { $0.key == key }) {
        if let newValue { members[index].value = newValue } else { members.remove(at: index) }
      } else if let newValue {
        members.append((key, newValue))
      }
    }
  }

  public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> {
    members.makeIterator()
  }
}
