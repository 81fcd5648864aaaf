extension GGUFValue {
  /// The value as JSON: integers exactly, floats in their shortest exact text, arrays
  /// (nested ones too) as arrays.
  ///
  /// JSON has no NaN or infinities; they become the strings `"NaN"`, `"Infinity"` and
  /// `"-Infinity"`. A string that is not UTF-8 becomes its valid text with each invalid byte
  /// written as the four characters `\xNN`, so the document stays valid UTF-8.
  public var jsonValue: JSONValue {
    switch self {
    case .uint8(let value): .integer(Int(value))
    case .int8(let value): .integer(Int(value))
    case .uint16(let value): .integer(Int(value))
    case .int16(let value): .integer(Int(value))
    case .uint32(let value): .integer(Int(value))
    case .int32(let value): .integer(Int(value))
    case .uint64(let value): .number(JSONNumber(value))
    case .int64(let value): .integer(Int(value))
    case .float32(let value): GGUFValue.json(float: value.isFinite ? "\(value)" : nil, value)
    case .float64(let value): GGUFValue.json(float: value.isFinite ? "\(value)" : nil, value)
    case .bool(let value): .bool(value)
    case .string(let value): .string(value)
    case .rawString(let bytes): .string(InvalidUTF8.escaped(bytes))
    case .array(let array): .array(array.map(\.jsonValue))
    }
  }

  /// One line for people: strings quoted and cut after `stringLimit` characters, arrays
  /// showing their first `limit` elements (`[1, 2, 3, … 49152 more]`).
  ///
  /// Quotes, backslashes and control characters are escaped; in a string that is not UTF-8
  /// each invalid byte shows as `\xNN` (one character of the limit), so the line is valid
  /// UTF-8 whatever the file holds.
  public func summary(limit: Int = 6, stringLimit: Int = 60) -> String {
    switch self {
    case .string(let text):
      return GGUFValue.quoted(text, limit: stringLimit)
    case .rawString(let bytes):
      return GGUFValue.quoted(InvalidUTF8.pieces(bytes).map(\.piece), limit: stringLimit)
    case .array(let array):
      let shown = array.first(max(0, limit))
      var parts = shown.map { $0.summary(limit: limit, stringLimit: stringLimit) }
      if array.count > shown.count { parts.append("… \(array.count - shown.count) more") }
      return "[" + parts.joined(separator: ", ") + "]"
    case .float32(let value): return "\(value)"
    case .float64(let value): return "\(value)"
    case .bool(let value): return value ? "true" : "false"
    default: return integer.map(String.init) ?? "\(jsonValue.number?.text ?? "")"
    }
  }

  static func json<F: BinaryFloatingPoint>(float text: String?, _ value: F) -> JSONValue {
    guard var text else {
      return .string(value.isNaN ? "NaN" : value < 0 ? "-Infinity" : "Infinity")
    }
    if !text.contains(".") && !text.contains("e") { text += ".0" }
    return .number(JSONNumber(text: text, isInteger: false))
  }

  static func quoted(_ text: String, limit: Int) -> String {
    quoted([.text(text)], limit: limit)
  }

  /// `pieces` in double quotes, escaped, cut after `limit` characters (an invalid byte counts
  /// as one).
  static func quoted(_ pieces: [InvalidUTF8.Piece], limit: Int) -> String {
    var result = "\""
    var shown = 0
    for piece in pieces {
      switch piece {
      case .byte(let byte):
        if shown == limit { return result + "…\"" }
        result += InvalidUTF8.hex(byte)
        shown += 1
      case .text(let text):
        for character in text.unicodeScalars {
          if shown == limit { return result + "…\"" }
          switch character {
          case "\"": result += "\\\""
          case "\\": result += "\\\\"
          case "\n": result += "\\n"
          case "\t": result += "\\t"
          case "\r": result += "\\r"
          default:
            if character.value < 0x20 {
              result += "\\u{\(String(character.value, radix: 16))}"
            } else {
              result.unicodeScalars.append(character)
            }
          }
          shown += 1
        }
      }
    }
    return result + "\""
  }

  /// The stored length in bytes of a `STRING` value; 0 for other types.
  var stringByteCount: Int {
    switch self {
    case .string(let text): text.utf8.count
    case .rawString(let bytes): bytes.count
    default: 0
    }
  }
}
