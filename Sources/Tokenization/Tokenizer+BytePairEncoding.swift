extension Tokenizer {
  /// Byte-level BPE of one text fragment (llama.cpp's `llm_tokenizer_bpe_session`).
  ///
  /// Every word of the pre-tokenizer is written in the byte alphabet and split into one symbol
  /// per byte; adjacent symbols merge by rank (lowest first); each final symbol is a token, or
  /// else its bytes are looked up one by one (bytes with no token are dropped, as llama.cpp
  /// drops them).
  func encodeBytePairs(_ text: String, preTokenizer: PreTokenizer, into output: inout [Int32]) {
    let ranks = mergeRanks
    for word in preTokenizer.split(text) {
      let encoded = preTokenizer.byteLevel ? ByteLevelAlphabet.encode(word.utf8) : word
      if ignoreMerges, let id = ids[encoded] {
        output.append(id)
        continue
      }
      var symbols = encoded.unicodeScalars.map { String($0) }
      Self.merge(&symbols) { left, right in
        ranks[MergePair(left: left, right: right)].map { -Double($0) }
      }
      for symbol in symbols {
        if let id = ids[symbol] {
          output.append(id)
          continue
        }
        for scalar in symbol.unicodeScalars {
          if let id = ids[String(scalar)] {
            output.append(id)
          } else if let id = unknown {
            output.append(id)
          }
        }
      }
    }
  }
}
