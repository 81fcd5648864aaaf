extension PreTokenizer {
  /// Cuts `text` into words (runs of code points), applying every rule in turn.
  ///
  /// Word boundaries never fall inside a code point, so each word is valid UTF-8.
  func split(_ text: String) -> [String] {
    let scalars = Array(text.unicodeScalars)
    let classes = scalars.map(CodepointClass.init)
    var spans: [Range<Int>] = scalars.isEmpty ? [] : [0..<scalars.count]
    for rule in rules {
      var next: [Range<Int>] = []
      next.reserveCapacity(spans.count * 2)
      for span in spans {
        let matcher = SpanMatcher(scalars: scalars, classes: classes, span: span)
        next += matcher.split(rule)
      }
      spans = next
    }
    return spans.map { span in
      var word = String.UnicodeScalarView()
      word.append(contentsOf: scalars[span])
      return String(word)
    }
  }
}

/// The matchers of one span: positions outside it read as "no code point".
private struct SpanMatcher {
  let scalars: [Unicode.Scalar]
  let classes: [CodepointClass]
  let span: Range<Int>

  func scalar(_ position: Int) -> UInt32? {
    span.contains(position) ? scalars[position].value : nil
  }

  func kind(_ position: Int) -> CodepointClass {
    span.contains(position) ? classes[position] : .none
  }

  func split(_ rule: PreTokenizer.Rule) -> [Range<Int>] {
    switch rule {
    case .gpt2: return words(gpt2Match)
    case .llama3: return words { llama3Match(at: $0, maxDigits: 3) }
    case .qwen2: return words { llama3Match(at: $0, maxDigits: 1) }
    case .eachNumber: return isolating { kind($0).isNumber ? $0 + 1 : nil }
    case .numberRuns: return isolating { run(from: $0) { kind($0).isNumber } }
    case .asciiDigitTriples:
      return isolating { start in
        (start..<(start + 3)).allSatisfy { (scalar($0).map { (48...57).contains($0) }) ?? false }
          ? start + 3 : nil
      }
    case .punctuationRuns:
      let symbols: Set<UInt32> = [0x24, 0x2B, 0x3C, 0x3D, 0x3E, 0x5E, 0x7E, 0x7C]
      return isolating { start in
        run(from: start) { kind($0).isPunctuation || symbols.contains(scalar($0) ?? 0) }
      }
    }
  }

  /// The end of the run from `start` where `belongs` holds, or `nil` for an empty run.
  func run(from start: Int, _ belongs: (Int) -> Bool) -> Int? {
    var end = start
    while end < span.upperBound && belongs(end) { end += 1 }
    return end > start ? end : nil
  }

  /// A regex split (llama.cpp's `unicode_regex_split_stl`): every leftmost match is a word,
  /// and so is the text between two matches.
  func isolating(_ match: (Int) -> Int?) -> [Range<Int>] {
    var result: [Range<Int>] = []
    var gapStart = span.lowerBound
    var position = span.lowerBound
    while position < span.upperBound {
      if let end = match(position) {
        if gapStart < position { result.append(gapStart..<position) }
        result.append(position..<end)
        position = end
        gapStart = end
      } else {
        position += 1
      }
    }
    if gapStart < span.upperBound { result.append(gapStart..<span.upperBound) }
    return result
  }

  /// A hand-written matcher's split: from each position, the match's end (never empty).
  func words(_ match: (Int) -> Int) -> [Range<Int>] {
    var result: [Range<Int>] = []
    var position = span.lowerBound
    while position < span.upperBound {
      let end = match(position)
      result.append(position..<end)
      position = end
    }
    return result
  }

  /// The contraction at `position` (`'s`, `'T`, `'re` …), if any.
  func contraction(at position: Int, caseInsensitive: Bool) -> Int? {
    guard scalar(position) == 0x27, let first = scalar(position + 1) else { return nil }
    func folded(_ value: UInt32?) -> UInt32? {
      guard let value else { return nil }
      return caseInsensitive && (65...90).contains(value) ? value + 32 : value
    }
    let next = folded(first)
    // 's 't 'm 'd
    if next == 0x73 || next == 0x74 || next == 0x6D || next == 0x64 { return position + 2 }
    let after = folded(scalar(position + 2))
    if (next == 0x72 && after == 0x65) || (next == 0x76 && after == 0x65)
      || (next == 0x6C && after == 0x6C)
    {
      return position + 3  // re ve ll
    }
    return nil
  }

  /// The end of a whitespace match at `position` (`\s+(?!\S)|\s+`), or `nil` if none.
  func whitespace(at position: Int) -> Int? {
    var count = 0
    while kind(position + count).isWhitespace { count += 1 }
    if count > 1 && scalar(position + count) != nil { return position + count - 1 }
    return count > 0 ? position + count : nil
  }

  /// GPT-2's regex at `position` (llama.cpp's `unicode_regex_split_custom_gpt2`).
  func gpt2Match(at position: Int) -> Int {
    if let end = contraction(at: position, caseInsensitive: false) { return end }
    let start = scalar(position) == 0x20 ? position + 1 : position
    let lead = kind(start)
    if lead.isLetter { return run(from: start) { kind($0).isLetter } ?? start }
    if lead.isNumber { return run(from: start) { kind($0).isNumber } ?? start }
    if lead.isOther { return run(from: start) { kind($0).isOther } ?? start }
    return whitespace(at: position) ?? position + 1
  }

  /// Llama 3's regex at `position` (llama.cpp's `unicode_regex_split_custom_llama3`), or
  /// Qwen2's with `maxDigits` 1.
  func llama3Match(at position: Int, maxDigits: Int) -> Int {
    if let end = contraction(at: position, caseInsensitive: true) { return end }
    let here = kind(position)
    let value = scalar(position)
    // [^\r\n\p{L}\p{N}]?\p{L}+
    if !(value == 0x0D || value == 0x0A || here.isNumber)
      && (here.isLetter || kind(position + 1).isLetter)
    {
      return run(from: position + 1) { kind($0).isLetter } ?? position + 1
    }
    // \p{N}{1,maxDigits}
    if here.isNumber {
      let end = run(from: position) { kind($0).isNumber } ?? position + 1
      return min(end, position + maxDigits)
    }
    // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
    let start = value == 0x20 ? position + 1 : position
    if kind(start).isOther && here.exists {
      var end = run(from: start) { kind($0).isOther } ?? start
      while scalar(end) == 0x0D || scalar(end) == 0x0A { end += 1 }
      return end
    }
    // \s*[\r\n]+
    var count = 0
    var lineBreakEnd: Int?
    while kind(position + count).isWhitespace {
      let v = scalar(position + count)
      if v == 0x0D || v == 0x0A { lineBreakEnd = position + count + 1 }
      count += 1
    }
    if let lineBreakEnd { return lineBreakEnd }
    return whitespace(at: position) ?? position + 1
  }
}
