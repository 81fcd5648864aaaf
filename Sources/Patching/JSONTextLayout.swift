/// Where the top-level members of a JSON object sit in its text, and how the text is laid out,
/// so that single members can be replaced or added while every other byte stays as it was.
///
/// The text must already be valid JSON (json-c checked it); the scan trusts it.
struct JSONTextLayout {
  /// One top-level member.
  struct Member {
    var key: String
    /// The opening quote of the key.
    var keyStart: Int
    /// The value's bytes.
    var valueRange: Range<Int>
  }

  var members: [Member] = []
  /// The closing brace of the object.
  var closingBrace = 0
  /// The bytes between a comma and the next key (`"\n  "`, `" "` or `""`), or between `{` and
  /// the only key.
  var memberGap: [UInt8] = []
  /// The bytes between a key and its value: `": "` or `":"`.
  var colon: [UInt8] = Array(": ".utf8)
  /// The line break the file uses, when it is laid out on several lines.
  var newline: [UInt8]?
  /// One level of indentation (the first member's), for nested values.
  var indent: [UInt8] = []
  /// Whether the top-level keys are in byte order (as transformers' `to_json_string` writes).
  var sortedKeys = false

  /// Scans `text`, which must be a JSON object.
  init?(_ text: [UInt8]) {
    var index = 0
    func skipSpace() {
      while index < text.count, [0x20, 0x09, 0x0A, 0x0D].contains(text[index]) { index += 1 }
    }
    skipSpace()
    guard index < text.count, text[index] == UInt8(ascii: "{") else { return nil }
    index += 1
    var gapStart = index
    while true {
      skipSpace()
      guard index < text.count else { return nil }
      if text[index] == UInt8(ascii: "}") {
        closingBrace = index
        break
      }
      guard text[index] == UInt8(ascii: "\"") else { return nil }
      if members.isEmpty && memberGap.isEmpty { memberGap = Array(text[gapStart..<index]) }
      let keyStart = index
      guard let keyEnd = Self.endOfString(text, from: index) else { return nil }
      let key = String(decoding: text[(keyStart + 1)..<(keyEnd - 1)], as: UTF8.self)
      index = keyEnd
      let colonStart = index
      skipSpace()
      guard index < text.count, text[index] == UInt8(ascii: ":") else { return nil }
      index += 1
      skipSpace()
      if members.isEmpty { colon = Array(text[colonStart..<index]) }
      let valueStart = index
      guard let valueEnd = Self.endOfValue(text, from: index) else { return nil }
      members.append(Member(key: key, keyStart: keyStart, valueRange: valueStart..<valueEnd))
      index = valueEnd
      skipSpace()
      guard index < text.count else { return nil }
      if text[index] == UInt8(ascii: ",") {
        index += 1
        gapStart = index
        if members.count == 1 {
          skipSpace()
          memberGap = Array(text[gapStart..<index])
        }
      }
    }
    if let crlf = memberGap.firstIndex(of: 0x0A) {
      newline = crlf > 0 && memberGap[crlf - 1] == 0x0D ? [0x0D, 0x0A] : [0x0A]
      indent = Array(memberGap[(crlf + 1)...])
    }
    let keys = members.map { Array($0.key.utf8) }
    sortedKeys =
      keys.count > 1 && zip(keys, keys.dropFirst()).allSatisfy { $0.lexicographicallyPrecedes($1) }
  }

  /// The index after the string literal starting at the quote at `start`.
  static func endOfString(_ text: [UInt8], from start: Int) -> Int? {
    var index = start + 1
    while index < text.count {
      switch text[index] {
      case UInt8(ascii: "\\"): index += 2
      case UInt8(ascii: "\""): return index + 1
      default: index += 1
      }
    }
    return nil
  }

  /// The index after the value starting at `start`.
  static func endOfValue(_ text: [UInt8], from start: Int) -> Int? {
    guard start < text.count else { return nil }
    switch text[start] {
    case UInt8(ascii: "\""):
      return endOfString(text, from: start)
    case UInt8(ascii: "{"), UInt8(ascii: "["):
      var depth = 0
      var index = start
      while index < text.count {
        switch text[index] {
        case UInt8(ascii: "\""):
          guard let end = endOfString(text, from: index) else { return nil }
          index = end
          continue
        case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
          depth -= 1
          if depth == 0 { return index + 1 }
        default: break
        }
        index += 1
      }
      return nil
    default:
      var index = start
      let stops: Set<UInt8> = [
        UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D,
      ]
      while index < text.count, !stops.contains(text[index]) { index += 1 }
      return index
    }
  }
}
