extension Tokenizer {
  /// A piece of the input: text still to tokenize, or a literal token already found.
  enum Fragment {
    case text([UInt8])
    case token(Int32)
  }

  /// The token ids of `text`.
  ///
  /// - Parameters:
  ///   - addSpecialTokens: add ``prefix`` and ``suffix`` (BOS/EOS as the model asks).
  ///   - parseSpecialTokens: match control tokens (`<|im_start|>`) in the text; user-defined
  ///     tokens are always matched.
  public func encode(
    _ text: String, addSpecialTokens: Bool = true, parseSpecialTokens: Bool = true
  ) -> [Int32] {
    var output: [Int32] = addSpecialTokens ? prefix : []
    let fragments = partition(Array(text.utf8), parseSpecialTokens: parseSpecialTokens)
    switch model {
    case .bytePairEncoding(let preTokenizer):
      for fragment in fragments {
        switch fragment {
        case .token(let id): output.append(id)
        case .text(let bytes):
          var text = String(decoding: bytes, as: UTF8.self)
          if preTokenizer.addPrefixSpace && text.utf8.first != 0x20 { text = " " + text }
          encodeBytePairs(text, preTokenizer: preTokenizer, into: &output)
        }
      }
    case .sentencePiece(let addSpacePrefix):
      var previousIsSpecial = true
      for fragment in fragments {
        switch fragment {
        case .token(let id):
          output.append(id)
          previousIsSpecial = true
        case .text(let bytes):
          var text = String(decoding: bytes, as: UTF8.self)
          if addSpacePrefix && previousIsSpecial { text = " " + text }
          encodeSentencePiece(text, into: &output)
          previousIsSpecial = false
        }
      }
    }
    if addSpecialTokens { output += suffix }
    return output
  }

  /// Cuts the literal tokens out of `bytes`, longest token text first, as llama.cpp's
  /// `tokenizer_st_partition` does.
  func partition(_ bytes: [UInt8], parseSpecialTokens: Bool) -> [Fragment] {
    guard !bytes.isEmpty else { return [] }
    var fragments: [Fragment] = [.text(bytes)]
    for literal in literals where !literal.bytes.isEmpty {
      if !parseSpecialTokens && literal.kind != .userDefined { continue }
      var next: [Fragment] = []
      for fragment in fragments {
        guard case .text(let text) = fragment else {
          next.append(fragment)
          continue
        }
        var start = 0
        var position = 0
        var pieces: [Fragment] = []
        let needle = literal.bytes
        while position + needle.count <= text.count {
          if text[position] == needle[0]
            && text[position..<(position + needle.count)].elementsEqual(needle)
          {
            var left = text[start..<position]
            if literal.stripsLeft {
              while let last = left.last, Self.isSpace(last) { left.removeLast() }
            }
            if !left.isEmpty { pieces.append(.text(Array(left))) }
            pieces.append(.token(literal.id))
            position += needle.count
            if literal.stripsRight {
              while position < text.count && Self.isSpace(text[position]) { position += 1 }
            }
            start = position
          } else {
            position += 1
          }
        }
        if start < text.count { pieces.append(.text(Array(text[start...]))) }
        next += pieces
      }
      fragments = next
    }
    return fragments
  }

  /// C's `isspace` in the C locale.
  static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }

  /// Merges `symbols` pairwise until no adjacent pair has a priority: always the pair of
  /// highest priority, the leftmost among equals (llama.cpp's bigram queues, without the queue).
  static func merge(_ symbols: inout [String], priority: (String, String) -> Double?) {
    guard symbols.count > 1 else { return }
    var priorities = (0..<(symbols.count - 1)).map { priority(symbols[$0], symbols[$0 + 1]) }
    while true {
      var best: Int?
      var bestPriority = -Double.infinity
      for (index, value) in priorities.enumerated() {
        if let value, best == nil || value > bestPriority {
          best = index
          bestPriority = value
        }
      }
      guard let k = best else { return }
      symbols[k] += symbols[k + 1]
      symbols.remove(at: k + 1)
      priorities.remove(at: k)
      if k > 0 { priorities[k - 1] = priority(symbols[k - 1], symbols[k]) }
      if k < symbols.count - 1 { priorities[k] = priority(symbols[k], symbols[k + 1]) }
    }
  }
}
