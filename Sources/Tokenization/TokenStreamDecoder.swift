/// Turns a stream of token pieces into text as it arrives, holding back a UTF-8 sequence
/// split across tokens until its last byte comes.
///
/// ```swift
/// var stream = TokenStreamDecoder()
/// print(stream.append([0xE2, 0x9C]), terminator: "")   // "" (incomplete)
/// print(stream.append([0xA8]), terminator: "")         // "✨"
/// print(stream.finish())                               // "" (nothing held)
/// ```
///
/// Bytes that can never become valid UTF-8 are shown as U+FFFD at once.
public struct TokenStreamDecoder: Sendable {
  var pending: [UInt8] = []

  public init() {}

  /// The text completed by `bytes`.
  public mutating func append(_ bytes: [UInt8]) -> String {
    pending += bytes
    let cut = Self.completePrefixLength(pending)
    let text = String(decoding: pending[..<cut], as: UTF8.self)
    pending.removeFirst(cut)
    return text
  }

  /// Whatever is still held (an unfinished sequence, as U+FFFD), emptying the decoder.
  public mutating func finish() -> String {
    defer { pending = [] }
    return String(decoding: pending, as: UTF8.self)
  }

  /// The length of `bytes` without a trailing sequence that may still be completed.
  static func completePrefixLength(_ bytes: [UInt8]) -> Int {
    // Look back over at most 3 continuation bytes for the last lead byte.
    var index = bytes.count - 1
    var continuations = 0
    while index >= 0 && continuations < 3 && bytes[index] & 0xC0 == 0x80 {
      index -= 1
      continuations += 1
    }
    guard index >= 0 else { return bytes.count }
    let lead = bytes[index]
    let expected: Int
    switch lead {
    case 0xC2...0xDF: expected = 2
    case 0xE0...0xEF: expected = 3
    case 0xF0...0xF4: expected = 4
    default: return bytes.count
    }
    return continuations + 1 < expected ? index : bytes.count
  }
}
