/// Text to token ids and back for a llama-family vocabulary: byte-level BPE (GGUF `gpt2`,
/// Hugging Face `tokenizer.json` BPE) or SentencePiece-style (GGUF `llama`: scores, byte
/// fallback, `▁` for spaces).
///
/// ```swift
/// let tokenizer = try Tokenizer(gguf: "model.gguf")      // or Tokenizer(huggingFace: folder)
/// let ids = tokenizer.encode("Hello world")              // [19556, 905]
/// var stream = TokenStreamDecoder()
/// for id in ids { print(stream.append(try tokenizer.piece(id)), terminator: "") }
/// ```
///
/// Encoding follows llama.cpp's `llama_tokenize(add_special, parse_special)`: special tokens
/// are cut out of the text first (longest text first), each remaining fragment is
/// pre-tokenized and merged, and the model's prefix/suffix tokens (BOS) are added.
public struct Tokenizer: Sendable {
  /// The merging algorithm.
  public enum Model: Sendable, Hashable {
    /// Byte-pair merges by rank within pre-tokenized words.
    case bytePairEncoding(PreTokenizer)
    /// Highest-score merges over the whole fragment, spaces written `▁`; unknown pieces fall
    /// back to `<0xXX>` byte tokens.
    case sentencePiece(addSpacePrefix: Bool)
  }

  /// A merge rule: two adjacent symbols.
  struct MergePair: Hashable, Sendable {
    var left: String
    var right: String
  }

  /// The algorithm.
  public var model: Model
  /// The text of every token, by id (in the byte alphabet for byte-level BPE).
  public let tokens: [String]
  /// The kind of every token, by id.
  public let kinds: [TokenKind]
  /// SentencePiece scores by id (empty for BPE).
  public let scores: [Float]
  /// Ids added before the text when special tokens are added (BOS).
  public var prefix: [Int32]
  /// Ids added after the text when special tokens are added (EOS).
  public var suffix: [Int32]
  /// Tokens that end generation (EOS, end-of-turn).
  public var endOfGeneration: Set<Int32>
  /// Whether a word that is itself a token skips merging (HF `ignore_merges`).
  public var ignoreMerges: Bool
  /// The unknown token, used when no byte token covers a byte.
  public var unknown: Int32?

  let ids: [String: Int32]
  let mergeRanks: [MergePair: Int]
  /// Literally matched tokens, longest text first: id, UTF-8 text, strip flags.
  let literals: [Literal]

  struct Literal: Sendable {
    var id: Int32
    var bytes: [UInt8]
    var kind: TokenKind
    var stripsLeft: Bool
    var stripsRight: Bool
  }

  /// Builds a tokenizer from its parts.
  ///
  /// - Parameters:
  ///   - tokens: token texts by id; an empty text becomes `[EMPTY_<id>]`, as in llama.cpp.
  ///   - kinds: one per token (missing ones are `.normal`).
  ///   - merges: BPE merge rules, highest priority first.
  ///   - strips: ids of literal tokens that swallow whitespace on their left / right.
  /// - Throws: `invalidVocabulary` for a duplicated token text (llama.cpp refuses those too)
  ///   or an out-of-range special id.
  public init(
    model: Model, tokens: [String], kinds: [TokenKind] = [], scores: [Float] = [],
    merges: [(String, String)] = [], prefix: [Int32] = [], suffix: [Int32] = [],
    endOfGeneration: Set<Int32> = [], unknown: Int32? = nil, ignoreMerges: Bool = false,
    strips: (left: Set<Int32>, right: Set<Int32>) = ([], []), path: String = ""
  ) throws(TokenizerError) {
    var texts = tokens
    var ids: [String: Int32] = [:]
    ids.reserveCapacity(tokens.count)
    for (index, text) in tokens.enumerated() {
      if text.isEmpty { texts[index] = "[EMPTY_\(index)]" }
      if let other = ids.updateValue(Int32(index), forKey: texts[index]) {
        throw TokenizerError(
          .invalidVocabulary, path: path, name: "token \(index)",
          "tokens \(other) and \(index) have the same text \"\(texts[index])\"")
      }
    }
    var allKinds = kinds
    if allKinds.count < tokens.count {
      allKinds += Array(repeating: .normal, count: tokens.count - allKinds.count)
    }
    for id in prefix + suffix + Array(endOfGeneration) + (unknown.map { [$0] } ?? [])
    where id < 0 || Int(id) >= tokens.count {
      throw TokenizerError(
        .invalidVocabulary, path: path, name: "token \(id)",
        "special token id \(id) is outside the vocabulary 0..<\(tokens.count)")
    }
    var ranks: [MergePair: Int] = [:]
    ranks.reserveCapacity(merges.count)
    for (rank, merge) in merges.enumerated() {
      let pair = MergePair(left: merge.0, right: merge.1)
      if ranks[pair] == nil { ranks[pair] = rank }
    }
    var literals: [Literal] = []
    for (index, kind) in allKinds.prefix(tokens.count).enumerated() where kind.isMatchedLiterally {
      let id = Int32(index)
      literals.append(
        Literal(
          id: id, bytes: Array(texts[index].utf8), kind: kind,
          stripsLeft: strips.left.contains(id), stripsRight: strips.right.contains(id)))
    }
    literals.sort {
      $0.bytes.count > $1.bytes.count || ($0.bytes.count == $1.bytes.count && $0.id < $1.id)
    }

    self.model = model
    self.tokens = texts
    self.kinds = Array(allKinds.prefix(tokens.count))
    self.scores = scores
    self.prefix = prefix
    self.suffix = suffix
    self.endOfGeneration = endOfGeneration
    self.unknown = unknown
    self.ignoreMerges = ignoreMerges
    self.ids = ids
    self.mergeRanks = ranks
    self.literals = literals
  }

  /// The number of tokens.
  public var count: Int { tokens.count }

  /// The id of the token whose text is `text`, if any.
  public func id(of text: String) -> Int32? { ids[text] }

  /// Token texts llama.cpp treats as ending generation whatever the token ids say.
  static let endOfGenerationTexts: Set<String> = [
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>",
    "<EOT>", "_<EOT>", "<|end_of_text|>", "<end_of_utterance>",
  ]
}
