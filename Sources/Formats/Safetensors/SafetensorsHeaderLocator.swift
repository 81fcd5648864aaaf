/// Finds where keys and values sit in header JSON bytes, so errors can point at them.
///
/// Used only on error paths, after parsing (or up to a parse error): it trusts the bytes to be
/// JSON up to the point it is asked about and never reads past the buffer.
struct SafetensorsHeaderLocator {
  let bytes: UnsafeRawBufferPointer

  /// The index of the key's opening quote and of the first byte of its value, for member
  /// `key` of the object starting at (or after whitespace from) `start`.
  func member(_ key: String, inObjectAt start: Int = 0) -> (key: Int, value: Int)? {
    guard var index = skipWhitespace(from: start), bytes[index] == UInt8(ascii: "{") else {
      return nil
    }
    var depth = 0
    var expectingKey = false
    while index < bytes.count {
      let byte = bytes[index]
      switch byte {
      case UInt8(ascii: "{"), UInt8(ascii: "["):
        depth += 1
        expectingKey = depth == 1
      case UInt8(ascii: "}"), UInt8(ascii: "]"):
        depth -= 1
        if depth == 0 { return nil }
      case UInt8(ascii: ","):
        expectingKey = depth == 1
      case UInt8(ascii: "\""):
        let keyStart = index
        let (text, end) = string(at: index)
        index = end
        if expectingKey && depth == 1 {
          expectingKey = false
          if text == key {
            guard let colon = skipWhitespace(from: end + 1), bytes[colon] == UInt8(ascii: ":"),
              let value = skipWhitespace(from: colon + 1)
            else { return nil }
            return (keyStart, value)
          }
        }
      default:
        break
      }
      index += 1
    }
    return nil
  }

  /// The last top-level key before `offset`, and the object nesting depth at `offset`
  /// (1 for top-level members, 2 for members of a tensor entry or of `__metadata__`).
  func topLevelKey(enclosing offset: Int) -> (key: String, depth: Int)? {
    var depth = 0
    var expectingKey = false
    var current: String? = nil
    var index = 0
    while index < min(offset, bytes.count) {
      let byte = bytes[index]
      switch byte {
      case UInt8(ascii: "{"), UInt8(ascii: "["):
        depth += 1
        expectingKey = depth == 1 && byte == UInt8(ascii: "{")
      case UInt8(ascii: "}"), UInt8(ascii: "]"):
        depth -= 1
      case UInt8(ascii: ","):
        expectingKey = depth == 1
      case UInt8(ascii: "\""):
        let (text, end) = string(at: index)
        if expectingKey && depth == 1, let text {
          current = text
          expectingKey = false
        }
        index = end
      default:
        break
      }
      index += 1
    }
    return current.map { ($0, depth) }
  }

  private func skipWhitespace(from start: Int) -> Int? {
    var index = start
    while index < bytes.count, SafetensorsFile.isJSONWhitespace(bytes[index]) { index += 1 }
    return index < bytes.count ? index : nil
  }

  /// The decoded string starting at the quote at `start`, and the index of its closing quote.
  private func string(at start: Int) -> (String?, Int) {
    var index = start + 1
    var escaped = false
    while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
      if bytes[index] == UInt8(ascii: "\\") {
        escaped = true
        index += 1
      }
      index += 1
    }
    let end = min(index, bytes.count - 1)
    let literal = UnsafeRawBufferPointer(rebasing: bytes[start...end])
    if escaped { return ((try? JSONValue.parse(literal, path: ""))?.string, end) }
    return (String(decoding: literal.dropFirst().dropLast(), as: UTF8.self), end)
  }
}
