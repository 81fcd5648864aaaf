/// A single pass over JSON text for what json-c does not report or gets wrong: duplicate keys
/// (json-c keeps the last) and integers too large for 64 bits (json-c clamps them to
/// `UInt64.max`; the scanner returns where they end so the parser can read them as floats).
///
/// It assumes nothing about validity: on malformed text it stops quietly and leaves the syntax
/// error to json-c, which reports it with its own position. It also holds the document to
/// ``Limits/jsonDepth`` and ``Limits/jsonValues`` before json-c builds anything.
enum JSONScanner {
  private enum Container {
    case object(keys: Set<Key>, expectingKey: Bool)
    case array
  }

  /// An object key as its decoded UTF-8 bytes: keys are the same when their bytes are, as in
  /// json-c, Python and serde_json (a `String` set would also merge canonically equivalent
  /// keys, and hashing 49 k non-ASCII vocabulary keys through Unicode normalization is slow).
  private struct Key: Hashable {
    var bytes: [UInt8]

    func hash(into hasher: inout Hasher) {
      bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
  }

  /// Checks `bytes`; returns the end offsets of integer literals beyond 64 bits, in order.
  @discardableResult
  static func check(
    _ bytes: UnsafeRawBufferPointer, path: String, baseOffset: Int
  ) throws(FormatError) -> [Int] {
    var stack: [Container] = []
    var wideIntegers: [Int] = []
    var index = 0
    var values = 0
    let count = bytes.count
    func tooDeep() -> FormatError {
      FormatError(
        .jsonTooDeep, path: path, offset: baseOffset + index,
        "invalid JSON: arrays and objects nest more than \(Limits.jsonDepth) deep")
    }
    while index < count {
      let byte = bytes[index]
      if byte > 0x20 && byte != UInt8(ascii: ",") && byte != UInt8(ascii: ":")
        && byte != UInt8(ascii: "}") && byte != UInt8(ascii: "]")
      {
        // A value or a key starts here.
        values += 1
        if values > Limits.jsonValues {
          throw FormatError(
            .invalidJSON, path: path, offset: baseOffset + index,
            "JSON document holds more than Spindle's limit of \(Limits.jsonValues) values and keys")
        }
      }
      switch byte {
      case UInt8(ascii: "{"):
        if stack.count >= Limits.jsonDepth { throw tooDeep() }
        stack.append(.object(keys: [], expectingKey: true))
        index += 1
      case UInt8(ascii: "["):
        if stack.count >= Limits.jsonDepth { throw tooDeep() }
        stack.append(.array)
        index += 1
      case UInt8(ascii: "}"), UInt8(ascii: "]"):
        if stack.popLast() == nil { return wideIntegers }
        index += 1
      case UInt8(ascii: ","):
        if case .object(let keys, _) = stack.last {
          stack[stack.count - 1] = .object(keys: keys, expectingKey: true)
        }
        index += 1
      case UInt8(ascii: ":"):
        if case .object(let keys, _) = stack.last {
          stack[stack.count - 1] = .object(keys: keys, expectingKey: false)
        }
        index += 1
      case UInt8(ascii: "\""):
        let start = index
        let isKey: Bool
        if case .object(_, true) = stack.last { isKey = true } else { isKey = false }
        guard let (key, next) = readString(bytes, from: index, decoding: isKey) else {
          throw FormatError(
            .invalidJSON, path: path, offset: baseOffset + start,
            "invalid JSON: malformed string (unterminated, control character, bad escape or lone surrogate)"
          )
        }
        index = next
        // Pop the set before inserting so it is uniquely referenced and grows in place;
        // copying it out of the stack made every insertion copy it (quadratic in keys).
        if isKey, case .object(var keys, _) = stack.removeLast() {
          if !keys.insert(Key(bytes: key)).inserted {
            let text = String(decoding: key, as: UTF8.self)
            throw FormatError(
              .duplicateKey, path: path, offset: baseOffset + start, name: text,
              "duplicate key \"\(text)\" in a JSON object (readers disagree on which one wins)")
          }
          stack.append(.object(keys: keys, expectingKey: false))
          // json-c keeps keys as C strings: "a\u0000b" would be read as "a", a second name
          // for another member (found by the hf-config fuzz target).
          if key.contains(0) {
            let text = String(decoding: key.prefix(80), as: UTF8.self)
              .split(separator: "\0", omittingEmptySubsequences: false).joined(separator: "\\u0000")
            throw FormatError(
              .invalidJSON, path: path, offset: baseOffset + start, name: text,
              "the key \"\(text)\" holds a NUL character (\\u0000), which JSON readers that"
                + " keep keys as C strings cut short")
          }
        }
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        let start = index
        while index < count, isNumberByte(bytes[index]) { index += 1 }
        let characters = bytes[start..<index]
        func literal() -> String {
          String(decoding: UnsafeRawBufferPointer(rebasing: characters), as: UTF8.self)
        }
        guard let isInteger = numberShape(characters) else {
          throw FormatError(
            .invalidJSON, path: path, offset: baseOffset + start,
            "invalid JSON: malformed number \(literal())")
        }
        // Valid JSON (RFC 8259 sets no range; transformers writes model_max_length = int(1e30))
        // that serde_json and Python read as a float, as Spindle does. Below 19 characters an
        // integer fits in 64 bits.
        if isInteger && characters.count >= 19 && Int64(literal()) == nil
          && UInt64(literal()) == nil
        {
          wideIntegers.append(index)
        }
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
        let start = index
        while index < count, (bytes[index] | 0x20) >= UInt8(ascii: "a"),
          (bytes[index] | 0x20) <= UInt8(ascii: "z")
        {
          index += 1
        }
        let word = String(
          decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if word != "true" && word != "false" && word != "null" {
          throw FormatError(
            .invalidJSON, path: path, offset: baseOffset + start,
            "invalid JSON: unexpected literal \(word.prefix(16))")
        }
      case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
        index += 1
      default:
        let shown =
          byte < 0x20 || byte >= 0x7F
          ? "byte 0x\(String(byte, radix: 16))" : "'\(Character(Unicode.Scalar(byte)))'"
        throw FormatError(
          .invalidJSON, path: path, offset: baseOffset + index,
          "invalid JSON: unexpected \(shown)")
      }
    }
    return wideIntegers
  }

  private static func isNumberByte(_ c: UInt8) -> Bool {
    (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-")
      || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") || c == UInt8(ascii: "e")
      || c == UInt8(ascii: "E")
  }

  /// Checks RFC 8259 number syntax `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`; returns
  /// whether it is an integer, or `nil` when malformed.
  private static func numberShape(_ text: Slice<UnsafeRawBufferPointer>) -> Bool? {
    var chars = text
    func digits() -> Int {
      var n = 0
      while let c = chars.first, c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
        chars = chars.dropFirst()
        n += 1
      }
      return n
    }
    if chars.first == UInt8(ascii: "-") { chars = chars.dropFirst() }
    if chars.first == UInt8(ascii: "0") {
      chars = chars.dropFirst()
    } else if digits() == 0 {
      return nil
    }
    var isInteger = true
    if chars.first == UInt8(ascii: ".") {
      chars = chars.dropFirst()
      if digits() == 0 { return nil }
      isInteger = false
    }
    if chars.first == UInt8(ascii: "e") || chars.first == UInt8(ascii: "E") {
      chars = chars.dropFirst()
      if chars.first == UInt8(ascii: "+") || chars.first == UInt8(ascii: "-") {
        chars = chars.dropFirst()
      }
      if digits() == 0 { return nil }
      isInteger = false
    }
    return chars.isEmpty ? isInteger : nil
  }

  /// Checks the string literal starting at the quote at `start`; returns its UTF-8 bytes when
  /// `decoding` (else none) and the index after the closing quote, or `nil` if it is malformed.
  private static func readString(
    _ bytes: UnsafeRawBufferPointer, from start: Int, decoding: Bool
  ) -> ([UInt8], Int)? {
    var index = start + 1
    var scalars: [UInt8] = []
    var plainStart = index
    func flush(_ upTo: Int) {
      if decoding && upTo > plainStart { scalars.append(contentsOf: bytes[plainStart..<upTo]) }
    }
    while index < bytes.count {
      let c = bytes[index]
      if c == UInt8(ascii: "\"") {
        flush(index)
        return (scalars, index + 1)
      }
      if c < 0x20 { return nil }
      if c != UInt8(ascii: "\\") {
        index += 1
        continue
      }
      flush(index)
      guard index + 1 < bytes.count else { return nil }
      let escape = bytes[index + 1]
      index += 2
      switch escape {
      case UInt8(ascii: "b"): scalars.append(8)
      case UInt8(ascii: "f"): scalars.append(12)
      case UInt8(ascii: "n"): scalars.append(10)
      case UInt8(ascii: "r"): scalars.append(13)
      case UInt8(ascii: "t"): scalars.append(9)
      case UInt8(ascii: "u"):
        guard var unit = hex4(bytes, at: index) else { return nil }
        index += 4
        var scalarValue = UInt32(unit)
        if (0xD800..<0xDC00).contains(unit), index + 6 <= bytes.count,
          bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u"),
          let low = hex4(bytes, at: index + 2), (0xDC00..<0xE000).contains(low)
        {
          scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
          index += 6
          unit = 0
        }
        guard let scalar = Unicode.Scalar(scalarValue) else { return nil }
        scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
      default: scalars.append(escape)
      }
      plainStart = index
    }
    return nil
  }

  private static func hex4(_ bytes: UnsafeRawBufferPointer, at index: Int) -> UInt16? {
    guard index + 4 <= bytes.count else { return nil }
    var value: UInt16 = 0
    for offset in 0..<4 {
      let c = bytes[index + offset]
      let digit: UInt8
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
      default: return nil
      }
      value = value << 4 | UInt16(digit)
    }
    return value
  }
}
