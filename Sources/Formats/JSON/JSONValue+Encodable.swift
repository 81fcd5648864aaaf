extension JSONValue: Encodable {
  /// Encodes the value with any encoder (``JSONValueEncoder`` copies it unchanged instead):
  /// integers as `Int64`/`UInt64` when they fit, other numbers as `Double`.
  public func encode(to encoder: any Encoder) throws {
    switch self {
    case .array(let elements):
      var container = encoder.unkeyedContainer()
      for element in elements { try container.encode(element) }
    case .object(let object):
      try object.encode(to: encoder)
    default:
      var container = encoder.singleValueContainer()
      switch self {
      case .bool(let value): try container.encode(value)
      case .string(let value): try container.encode(value)
      case .number(let number):
        if let value = number.int64 {
          try container.encode(value)
        } else if let value = number.uint64 {
          try container.encode(value)
        } else {
          try container.encode(number.double)
        }
      default: try container.encodeNil()
      }
    }
  }
}

extension JSONObject: Encodable {
  /// A member name as a coding key.
  private struct MemberKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  /// Encodes the members in order with any encoder (``JSONValueEncoder`` copies the object
  /// unchanged instead).
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: MemberKey.self)
    for (key, value) in members { try container.encode(value, forKey: MemberKey(stringValue: key)) }
  }
}
