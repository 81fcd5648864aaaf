/// Bytes that should be UTF-8 but may not be: where the first bad byte is, and a rendering
/// that keeps the valid text and shows each bad byte as `\xNN`.
///
/// gguf.cpp stores keys, names and string values as raw bytes and never checks them, so
/// Spindle reads such strings too and must print them without emitting invalid UTF-8.
enum InvalidUTF8 {
  /// One piece of a byte string: a run of valid text or one byte that starts no valid
  /// UTF-8 sequence at its position.
  enum Piece: Equatable {
    case text(String)
    case byte(UInt8)
  }

  /// The pieces of `bytes` in order; valid runs are as long as possible.
  static func pieces(_ bytes: [UInt8]) -> [(offset: Int, piece: Piece)] {
    var result: [(offset: Int, piece: Piece)] = []
    var runStart = 0
    var index = 0
    func flush(upTo end: Int) {
      if end > runStart {
        result.append((runStart, .text(String(decoding: bytes[runStart..<end], as: UTF8.self))))
      }
    }
    while index < bytes.count {
      let length = sequenceLength(bytes, at: index)
      if length > 0 {
        index += length
        continue
      }
      flush(upTo: index)
      result.append((index, .byte(bytes[index])))
      index += 1
      runStart = index
    }
    flush(upTo: bytes.count)
    return result
  }

  /// The offset of the first byte that starts no valid UTF-8 sequence, or `nil` if `bytes`
  /// are all UTF-8.
  static func firstInvalidByte(in bytes: [UInt8]) -> Int? {
    var index = 0
    while index < bytes.count {
      let length = sequenceLength(bytes, at: index)
      if length == 0 { return index }
      index += length
    }
    return nil
  }

  /// `bytes` as text, each invalid byte written as the four characters `\xNN`.
  static func escaped(_ bytes: [UInt8]) -> String {
    var text = ""
    for (_, piece) in pieces(bytes) {
      switch piece {
      case .text(let run): text += run
      case .byte(let byte): text += hex(byte)
      }
    }
    return text
  }

  /// `\xNN` for `byte`, two lowercase hex digits.
  static func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return "\\x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xF)])
  }

  /// The length of the valid UTF-8 sequence starting at `index` (1…4), or 0 if none starts
  /// there (a stray continuation byte, an overlong form, a surrogate, a value past U+10FFFF,
  /// or a sequence cut short).
  static func sequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
    let lead = bytes[index]
    let length: Int
    switch lead {
    case 0x00...0x7F: return 1
    case 0xC2...0xDF: length = 2
    case 0xE0...0xEF: length = 3
    case 0xF0...0xF4: length = 4
    default: return 0
    }
    guard index + length <= bytes.count else { return 0 }
    return String(validating: bytes[index..<(index + length)], as: UTF8.self) == nil ? 0 : length
  }
}
