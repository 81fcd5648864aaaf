public import Tokenization

/// The passkey-retrieval test of long-context work (Mohtashami & Jaggi 2023, landmark
/// attention; the YaRN paper's `eval/passkey.py`): a 5-digit key hidden at a depth in filler
/// text, then "What is the pass key? The pass key is"; the greedy answer's first number must
/// be the key.
///
/// The prompt is the source's, word for word: the task line, the filler sentence repeated,
/// the key line at the depth, the filler again, the question, joined by newlines; the filler
/// is repeated as often as fits the length in tokens.
public struct PasskeyRetrieval: Sendable {
  /// The task line that opens the prompt.
  public static let task =
    "There is an important info hidden inside a lot of irrelevant text. Find it and memorize"
    + " them. I will quiz you about the important information there."
  /// The filler sentence.
  public static let filler =
    "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again."
  /// The question that ends the prompt.
  public static let question = "What is the pass key? The pass key is"
  /// Tokens generated for the answer.
  public static let answerTokens = 10

  public let tokenizer: Tokenizer

  public init(tokenizer: Tokenizer) { self.tokenizer = tokenizer }

  /// The line that holds `key`.
  public static func keyLine(_ key: Int) -> String {
    "The pass key is \(key). Remember it. \(key) is the pass key."
  }

  /// The prompt text with `before` fillers before the key line and `after` after it.
  public static func text(key: Int, before: Int, after: Int) -> String {
    func fillers(_ count: Int) -> String {
      Array(repeating: filler, count: count).joined(separator: " ")
    }
    return [task, fillers(before), keyLine(key), fillers(after), question].joined(separator: "\n")
  }

  /// The longest prompt of at most `length` tokens (BOS included when the model adds one)
  /// with the key at `depth` (0: right after the task line, 1: just before the question):
  /// its tokens and the number of fillers. `nil` when even no filler does not fit.
  public func prompt(key: Int, depth: Double, length: Int) -> (tokens: [Int32], fillers: Int)? {
    func tokens(_ count: Int) -> [Int32] {
      let before = Int((Double(count) * depth).rounded())
      return tokenizer.encode(
        Self.text(key: key, before: before, after: count - before), parseSpecialTokens: false)
    }
    let bare = tokens(0).count
    guard bare <= length else { return nil }
    let perFiller = max(1, Double(tokens(16).count - bare) / 16)
    var count = Int(Double(length - bare) / perFiller)
    var candidate = tokens(count)
    while candidate.count > length && count > 0 {
      count -= 1
      candidate = tokens(count)
    }
    while true {
      let next = tokens(count + 1)
      if next.count > length { break }
      count += 1
      candidate = next
    }
    return (candidate, count)
  }

  /// The first run of digits in `answer`, as the source reads it (`re.search(r'\d+', …)`).
  public static func firstNumber(in answer: String) -> Int? {
    var digits = ""
    for character in answer {
      if character.isASCII, character.isNumber {
        digits.append(character)
      } else if !digits.isEmpty {
        break
      }
    }
    return digits.isEmpty ? nil : Int(digits.prefix(18))
  }
}
