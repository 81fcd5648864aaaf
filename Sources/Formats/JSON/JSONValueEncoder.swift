/// Turns any `Encodable` value into a ``JSONValue``, which json-c then prints.
///
/// Every `--json` document of the CLI is an `Encodable` struct encoded here, so field names
/// and value conventions are the same in every command:
/// - property names become snake_case (`headerBytes` → `header_bytes`, `peakRSSBytes` →
///   `peak_rss_bytes`), members keep their declaration order;
/// - an absent optional is written as `null`, never left out (a consumer sees every field);
/// - a `Double` or `Float` that is not finite is written as `null` (JSON has no NaN);
/// - a ``JSONValue`` or ``JSONObject`` inside a document is copied as it is (number text
///   and member order kept, member names not converted): use them for data-keyed objects
///   such as metadata, never `[String: T]`, whose keys would be converted like field names.
public struct JSONValueEncoder: Sendable {
  public init() {}

  /// The JSON value of `value`.
  public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
    let node = JSONEncodingNode()
    try node.store(value, codingPath: [])
    return node.value
  }

  /// `camelCase` → `snake_case`, with a run of capitals kept as one word (`peakRSSBytes` →
  /// `peak_rss_bytes`); names without capitals are returned unchanged.
  static func snakeCase(_ name: String) -> String {
    guard name.contains(where: \.isUppercase) else { return name }
    let characters = Array(name)
    var result = ""
    for (index, character) in characters.enumerated() {
      if character.isUppercase, index > 0 {
        let previous = characters[index - 1]
        let next = index + 1 < characters.count ? characters[index + 1] : nil
        let startsWord =
          previous.isLowercase || previous.isNumber
          || (previous.isUppercase && next.map(\.isLowercase) == true)
        if startsWord && previous != "_" { result.append("_") }
      }
      result += character.lowercased()
    }
    return result
  }
}

/// One value being encoded: unset, finished, or an object or array still being filled.
final class JSONEncodingNode {
  enum Content {
    case unset
    case value(JSONValue)
    case object([(key: String, node: JSONEncodingNode)])
    case array([JSONEncodingNode])
  }

  var content = Content.unset

  var value: JSONValue {
    switch content {
    case .unset: .object(JSONObject())
    case .value(let value): value
    case .object(let members): .object(JSONObject(members.map { ($0.key, $0.node.value) }))
    case .array(let elements): .array(elements.map(\.value))
    }
  }

  /// Stores `value` here: JSON values as they are, numbers, strings and Booleans directly,
  /// anything else through its `encode(to:)`.
  func store<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws {
    switch value {
    case let json as JSONValue: content = .value(json)
    case let object as JSONObject: content = .value(.object(object))
    case let double as Double: content = .value(double.isFinite ? .double(double) : .null)
    case let float as Float:
      // The shortest Float text, not the Double expansion of the Float (0.1, not 0.100000001).
      content = .value(float.isFinite ? .double(Double("\(float)") ?? Double(float)) : .null)
    case let string as String: content = .value(.string(string))
    case let bool as Bool: content = .value(.bool(bool))
    case let integer as any BinaryInteger:
      content = .value(.number(JSONNumber(text: "\(integer)", isInteger: true)))
    default:
      try value.encode(to: JSONValueEncoding(node: self, codingPath: codingPath))
    }
  }

  /// A new member `key` (replacing one of the same name), as an empty node to fill.
  func member(_ key: String) -> JSONEncodingNode {
    let child = JSONEncodingNode()
    guard case .object(var members) = content else {
      content = .object([(key, child)])
      return child
    }
    content = .unset  // release the array before mutating it (no copy)
    if let index = members.firstIndex(where: { $0.key == key }) {
      members[index].node = child
    } else {
      members.append((key, child))
    }
    content = .object(members)
    return child
  }

  /// A new last element, as an empty node to fill.
  func element() -> JSONEncodingNode {
    let child = JSONEncodingNode()
    guard case .array(var elements) = content else {
      content = .array([child])
      return child
    }
    content = .unset
    elements.append(child)
    content = .array(elements)
    return child
  }

  var elementCount: Int {
    if case .array(let elements) = content { return elements.count }
    return 0
  }

  func becomeObject() {
    if case .object = content { return }
    content = .object([])
  }

  func becomeArray() {
    if case .array = content { return }
    content = .array([])
  }
}

/// The `Encoder` a value's `encode(to:)` writes into one ``JSONEncodingNode``.
struct JSONValueEncoding: Encoder {
  let node: JSONEncodingNode
  let codingPath: [any CodingKey]
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
    node.becomeObject()
    return KeyedEncodingContainer(JSONKeyedContainer<Key>(node: node, codingPath: codingPath))
  }

  func unkeyedContainer() -> any UnkeyedEncodingContainer {
    node.becomeArray()
    return JSONUnkeyedContainer(node: node, codingPath: codingPath)
  }

  func singleValueContainer() -> any SingleValueEncodingContainer {
    JSONSingleValueContainer(node: node, codingPath: codingPath)
  }
}

/// A JSON index as a coding key (for coding paths inside arrays).
struct JSONIndexKey: CodingKey {
  var intValue: Int?
  var stringValue: String { "\(intValue ?? 0)" }
  init(_ index: Int) { intValue = index }
  init?(stringValue: String) { nil }
  init?(intValue: Int) { self.intValue = intValue }
}

struct JSONKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
  let node: JSONEncodingNode
  let codingPath: [any CodingKey]

  private func child(_ key: Key) -> JSONEncodingNode {
    node.member(JSONValueEncoder.snakeCase(key.stringValue))
  }

  mutating func encodeNil(forKey key: Key) throws { child(key).content = .value(.null) }

  mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
    try child(key).store(value, codingPath: codingPath + [key])
  }

  // An absent optional is `null`, not a missing member (see JSONValueEncoder).
  mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
    if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
  }
  mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
    try encodeIfPresent(value as (any Encodable)?, key)
  }
  mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
    try encodeIfPresent(value as (any Encodable)?, key)
  }
  mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
    try encodeIfPresent(value as (any Encodable)?, key)
  }
  mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws {
    try encodeIfPresent(value as (any Encodable)?, key)
  }
  mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
    try encodeIfPresent(value as (any Encodable)?, key)
  }
  mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws {
    try encodeIfPresent(value as (any Encodable)?, key)
  }
  mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws {
    try encodeIfPresent(value as (any Encodable)?, key)
  }
  mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws {
    try encodeIfPresent(value as (any Encodable)?, key)
  }
  mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
    try encodeIfPresent(value as (any Encodable)?, key)
  }
  mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws {
    try encodeIfPresent(value as (any Encodable)?, key)
  }
  mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws {
    try encodeIfPresent(value as (any Encodable)?, key)
  }
  mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws {
    try encodeIfPresent(value as (any Encodable)?, key)
  }
  mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws {
    try encodeIfPresent(value as (any Encodable)?, key)
  }
  mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws {
    try encodeIfPresent(value as (any Encodable)?, key)
  }

  private mutating func encodeIfPresent(_ value: (any Encodable)?, _ key: Key) throws {
    if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
  }

  mutating func nestedContainer<NestedKey: CodingKey>(
    keyedBy keyType: NestedKey.Type, forKey key: Key
  ) -> KeyedEncodingContainer<NestedKey> {
    let nested = child(key)
    nested.becomeObject()
    return KeyedEncodingContainer(
      JSONKeyedContainer<NestedKey>(node: nested, codingPath: codingPath + [key]))
  }

  mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
    let nested = child(key)
    nested.becomeArray()
    return JSONUnkeyedContainer(node: nested, codingPath: codingPath + [key])
  }

  mutating func superEncoder() -> any Encoder {
    JSONValueEncoding(node: node.member("super"), codingPath: codingPath)
  }

  mutating func superEncoder(forKey key: Key) -> any Encoder {
    JSONValueEncoding(node: child(key), codingPath: codingPath + [key])
  }
}

struct JSONUnkeyedContainer: UnkeyedEncodingContainer {
  let node: JSONEncodingNode
  let codingPath: [any CodingKey]
  var count: Int { node.elementCount }

  mutating func encodeNil() throws { node.element().content = .value(.null) }

  mutating func encode<T: Encodable>(_ value: T) throws {
    let key = JSONIndexKey(count)
    try node.element().store(value, codingPath: codingPath + [key])
  }

  mutating func nestedContainer<NestedKey: CodingKey>(
    keyedBy keyType: NestedKey.Type
  ) -> KeyedEncodingContainer<NestedKey> {
    let key = JSONIndexKey(count)
    let nested = node.element()
    nested.becomeObject()
    return KeyedEncodingContainer(
      JSONKeyedContainer<NestedKey>(node: nested, codingPath: codingPath + [key]))
  }

  mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
    let key = JSONIndexKey(count)
    let nested = node.element()
    nested.becomeArray()
    return JSONUnkeyedContainer(node: nested, codingPath: codingPath + [key])
  }

  mutating func superEncoder() -> any Encoder {
    let key = JSONIndexKey(count)
    return JSONValueEncoding(node: node.element(), codingPath: codingPath + [key])
  }
}

struct JSONSingleValueContainer: SingleValueEncodingContainer {
  let node: JSONEncodingNode
  let codingPath: [any CodingKey]

  mutating func encodeNil() throws { node.content = .value(.null) }

  mutating func encode<T: Encodable>(_ value: T) throws {
    try node.store(value, codingPath: codingPath)
  }
}
