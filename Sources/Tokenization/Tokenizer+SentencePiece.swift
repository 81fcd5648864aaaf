extension Tokenizer {
  /// SentencePiece-style encoding of one text fragment (llama.cpp's
  /// `llm_tokenizer_spm_session`).
  ///
  /// Spaces become `▁`; the fragment starts as one symbol per code point; the adjacent pair
  /// whose concatenation is the highest-scoring token merges first; a final symbol that is no
  /// token is written as its bytes' `<0xXX>` tokens.
  func encodeSentencePiece(_ text: String, into output: inout [Int32]) {
    let mark: Unicode.Scalar = "\u{2581}"
    var symbols = text.unicodeScalars.map { String($0 == " " ? mark : $0) }
    let ids = ids
    let scores = scores
    Self.merge(&symbols) { left, right in
      guard let id = ids[left + right] else { return nil }
      return Int(id) < scores.count ? Double(scores[Int(id)]) : 0
    }
    for symbol in symbols {
      if let id = ids[symbol] {
        output.append(id)
        continue
      }
      for byte in symbol.utf8 {
        if let id = byteToken(byte) {
          output.append(id)
        } else if let id = unknown {
          output.append(id)
        }
      }
    }
  }

  /// The token for one raw byte: `<0xXX>`, else the one-byte text (llama.cpp's
  /// `byte_to_token`).
  func byteToken(_ byte: UInt8) -> Int32? {
    let hex = Array("0123456789ABCDEF")
    if let id = ids["<0x\(hex[Int(byte >> 4)])\(hex[Int(byte & 15)])>"] { return id }
    guard byte < 0x80 else { return nil }
    return ids[String(UnicodeScalar(byte))]
  }
}
