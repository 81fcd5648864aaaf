import Formats

extension TokenizerMetadata {
  /// Which converter function reads the SentencePiece vocabulary.
  enum SentencePieceVariant {
    /// `_create_vocab_sentencepiece` (llama, qwen2, qwen3).
    case base
    /// `Phi3MiniModel.set_vocab`: `added_tokens_decoder` entries are control when marked
    /// special and user-defined otherwise, texts kept as they are, and `tokenizer.json`'s
    /// `added_tokens` are applied the same way afterwards.
    case phi3
  }

  /// `_set_vocab_sentencepiece`: the pieces of `tokenizer.model` up to the model's vocabulary
  /// size, then `added_tokens.json` and the added tokens of `tokenizer_config.json`
  /// (score -1000), then the special vocabulary.
  mutating func addSentencePiece(
    folder: String, files: TokenizerFiles, config: JSONValue?, variant: SentencePieceVariant
  ) throws(TokenizerError) {
    let model = try SentencePieceModel(path: "\(folder)/tokenizer.model")
    let configured =
      variant == .base
      ? (config?["vocab_size_per_layer_input"]?.number?.int ?? config?["vocab_size"]?.number?.int)
      : config?["vocab_size"]?.number?.int
    let count = try Self.vocabularySize(
      configured.flatMap { $0 == 0 ? nil : $0 }, folder: folder, found: model.pieces.count,
      in: "tokenizer.model")
    var tokens = (0..<count).map { "[PAD\($0)]" }
    var scores = [Float](repeating: -10000, count: count)
    var types = [Int32](repeating: TokenKind.unused.rawValue, count: count)
    for (id, piece) in model.pieces.enumerated() where id < count {
      tokens[id] = piece.text
      scores[id] = piece.score
      switch piece.type {
      case 2, 3, 5, 6: types[id] = piece.type
      default: types[id] = TokenKind.normal.rawValue
      }
    }

    let addedFile = "\(folder)/added_tokens.json"
    if let added = try files.json(addedFile, required: false)?.object {
      for (text, value) in added {
        guard let id = value.number?.int, id >= 0, id < count else { continue }
        tokens[id] = text
        scores[id] = -1000
        types[id] = TokenKind.userDefined.rawValue
      }
    }

    func apply(_ id: Int, _ text: String, special: Bool) {
      guard id >= 0, id < count else { return }
      switch variant {
      case .base:
        if special || Self.looksSpecial(text) {
          tokens[id] = text
          types[id] = TokenKind.control.rawValue
        } else {
          tokens[id] = text.replacingSentencePieceSpaces()
          types[id] = TokenKind.userDefined.rawValue
        }
      case .phi3:
        tokens[id] = text
        types[id] = special ? TokenKind.control.rawValue : TokenKind.userDefined.rawValue
      }
      scores[id] = -1000
    }
    let tokenizerConfig = try files.json("\(folder)/tokenizer_config.json", required: false)
    for (key, entry) in tokenizerConfig?["added_tokens_decoder"]?.object ?? JSONObject() {
      guard let id = Int(key), let text = entry["content"]?.string else { continue }
      apply(id, text, special: entry["special"]?.bool == true)
    }
    if variant == .phi3,
      let root = try files.json("\(folder)/tokenizer.json", required: false)
    {
      for entry in root["added_tokens"]?.array ?? [] {
        guard let id = entry["id"]?.number?.int, let text = entry["content"]?.string else {
          continue
        }
        apply(id, text, special: entry["special"]?.bool == true)
      }
    }

    set("tokenizer.ggml.model", .string("llama"))
    set("tokenizer.ggml.pre", .string("default"))
    setStrings("tokenizer.ggml.tokens", tokens)
    set("tokenizer.ggml.scores", .array(.float32, scores.map { .float32($0) }))
    set("tokenizer.ggml.token_type", .array(.int32, types.map { .int32($0) }))
    try addSpecialVocabulary(
      folder: folder, files: files, config: config, loadMerges: false, vocabularySize: tokens.count)
  }
}
