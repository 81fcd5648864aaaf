/// GPT-2's reversible map from bytes to printable code points, in which byte-level BPE
/// vocabularies are written (`Ġ` is the space byte 0x20, `Ċ` the newline 0x0A).
///
/// Printable Latin-1 bytes (`!`…`~`, `¡`…`¬`, `®`…`ÿ`) map to themselves; the other 68 bytes
/// map, in byte order, to U+0100 onwards.
enum ByteLevelAlphabet {
  /// The code point standing for each byte.
  static let scalars: [Unicode.Scalar] = {
    var table = [Unicode.Scalar?](repeating: nil, count: 256)
    for byte in 0..<256
    where (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte)
      || (0xAE...0xFF).contains(byte)
    {
      table[byte] = Unicode.Scalar(UInt8(byte))
    }
    var next: UInt32 = 256
    for byte in 0..<256 where table[byte] == nil {
      table[byte] = Unicode.Scalar(next)
      next += 1
    }
    return table.map { $0 ?? " " }
  }()

  /// The byte each alphabet code point stands for.
  static let bytes: [Unicode.Scalar: UInt8] = {
    var map: [Unicode.Scalar: UInt8] = [:]
    for (byte, scalar) in scalars.enumerated() { map[scalar] = UInt8(byte) }
    return map
  }()

  /// `bytes` written in the alphabet, one code point per byte.
  static func encode<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
    var text = String.UnicodeScalarView()
    for byte in bytes { text.append(scalars[Int(byte)]) }
    return String(text)
  }

  /// The bytes `text` stands for; a code point outside the alphabet keeps its UTF-8 bytes.
  static func decode(_ text: String) -> [UInt8] {
    var result: [UInt8] = []
    result.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      if let byte = bytes[scalar] {
        result.append(byte)
      } else {
        result += Array(String(scalar).utf8)
      }
    }
    return result
  }
}
