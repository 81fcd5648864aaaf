extension Tokenizer {
  /// The bytes token `id` stands for, as llama.cpp's `token_to_piece(special: true)` gives
  /// them.
  ///
  /// Byte-level BPE tokens are read back through the byte alphabet, SentencePiece tokens get
  /// their `▁` turned into spaces, byte tokens give their byte, control and user-defined
  /// tokens their text, unused tokens nothing. A piece may end inside a UTF-8 sequence; feed
  /// pieces to a ``TokenStreamDecoder`` to print them.
  ///
  /// - Throws: `invalidToken` for an id outside the vocabulary.
  public func piece(_ id: Int32) throws(TokenizerError) -> [UInt8] {
    guard id >= 0, Int(id) < tokens.count else {
      throw TokenizerError(
        .invalidToken, name: "token \(id)",
        "token \(id) is outside the vocabulary 0..<\(tokens.count)")
    }
    let text = tokens[Int(id)]
    switch kinds[Int(id)] {
    case .control, .userDefined, .unknown:
      return Array(text.utf8)
    case .unused:
      return []
    case .byte:
      return Self.byteValue(text).map { [$0] } ?? Array(text.utf8)
    case .normal:
      switch model {
      case .bytePairEncoding(let preTokenizer):
        return preTokenizer.byteLevel ? ByteLevelAlphabet.decode(text) : Array(text.utf8)
      case .sentencePiece:
        return Array(text.replacing("\u{2581}", with: " ").utf8)
      }
    }
  }

  /// The text of `ids`, pieces joined (invalid UTF-8 shown as U+FFFD).
  ///
  /// - Throws: `invalidToken` for an id outside the vocabulary.
  public func decode(_ ids: [Int32]) throws(TokenizerError) -> String {
    var bytes: [UInt8] = []
    for id in ids { bytes += try piece(id) }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The byte of a `<0xXX>` token text.
  static func byteValue(_ text: String) -> UInt8? {
    let utf8 = Array(text.utf8)
    guard utf8.count == 6, text.hasPrefix("<0x"), text.hasSuffix(">") else { return nil }
    return UInt8(String(decoding: utf8[3..<5], as: UTF8.self), radix: 16)
  }
}
