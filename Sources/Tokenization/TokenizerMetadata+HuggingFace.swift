import Formats
import Tensors

extension TokenizerMetadata {
  /// The tokenizer metadata llama.cpp's converter writes for the Hugging Face folder `folder`
  /// when converting it as `architecture` (the GGUF architecture name: `llama`, `qwen2`,
  /// `qwen3`, `phi3`, `gptneox`, ...).
  ///
  /// The vocabulary source follows each architecture's `set_vocab`: `llama`, `qwen2` and
  /// `qwen3` read `tokenizer.model` when there is one, else `tokenizer.json`; `phi3` reads
  /// `tokenizer.model` (its own variant) unless `tokenizer_config.json` names
  /// `GPT2Tokenizer`; others read `tokenizer.json`. For `llama`, `tokenizer_config.json`'s
  /// `add_prefix_space` becomes `tokenizer.ggml.add_space_prefix`, and a vocabulary of 49152
  /// (SmolLM2, Granite) gets `add_bos_token` false.
  ///
  /// `tokenizer.ggml.pre` of a byte-level BPE vocabulary is `preTokenizer` when given, else
  /// found by ``PreTokenizerFingerprint``. Added tokens are taken as `tokenizer.json` writes
  /// them; the converter re-encodes an added token marked `normalized: false` through
  /// `transformers`, which changes nothing for the usual special tokens and is not done here.
  ///
  /// - Throws: `unsupported` naming `tokenizer.ggml.pre` with the hash for a pre-tokenizer
  ///   the converter's table does not know, or naming the component Spindle's encoder lacks
  ///   (then the hash cannot be computed), both suggesting `--pre NAME`; `unsupported` for a
  ///   byte-fallback BPE `tokenizer.json` (the converter's `LlamaHfVocab` path); the readers'
  ///   errors for unreadable files.
  public init(
    huggingFace folder: String, architecture: String, preTokenizer: String? = nil
  ) throws(TokenizerError) {
    self.init()
    let folder = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
    let files = TokenizerFiles()
    let config = try files.json("\(folder)/config.json", required: false)
    let tokenizerConfig = try files.json("\(folder)/tokenizer_config.json", required: false)
    let hasSentencePiece = fileExists("\(folder)/tokenizer.model")

    switch architecture {
    case "llama":
      if let value = tokenizerConfig?["add_prefix_space"]?.bool {
        set("tokenizer.ggml.add_space_prefix", .bool(value))
      }
      if hasSentencePiece {
        try addSentencePiece(folder: folder, files: files, config: config, variant: .base)
      } else {
        try addBytePairs(
          folder: folder, files: files, config: config, preTokenizer: preTokenizer)
      }
      if config?["vocab_size"]?.number?.int == 49152 {
        set("tokenizer.ggml.add_bos_token", .bool(false))
      }
    case "qwen2", "qwen3":
      if hasSentencePiece {
        try addSentencePiece(folder: folder, files: files, config: config, variant: .base)
      } else {
        try addBytePairs(
          folder: folder, files: files, config: config, preTokenizer: preTokenizer)
      }
    case "phi3":
      if tokenizerConfig?["tokenizer_class"]?.string == "GPT2Tokenizer" {
        try addBytePairs(
          folder: folder, files: files, config: config, preTokenizer: preTokenizer)
      } else {
        try addSentencePiece(folder: folder, files: files, config: config, variant: .phi3)
      }
    default:
      try addBytePairs(
        folder: folder, files: files, config: config, preTokenizer: preTokenizer)
    }
  }

  /// `get_vocab_base` + `_set_vocab_gpt2`: tokens by id up to the model's vocabulary size
  /// (`[PAD<i>]` unused where none), added tokens control or user-defined, merges as
  /// `"a b"` strings.
  mutating func addBytePairs(
    folder: String, files: TokenizerFiles, config: JSONValue?, preTokenizer: String?
  ) throws(TokenizerError) {
    let file = "\(folder)/tokenizer.json"
    let root = try files.json(file, required: true) ?? .null
    let reader = JSONReader(path: file)
    let model = try reader.object(root["model"], "model")
    if model["byte_fallback"]?.bool == true {
      throw TokenizerError(
        .unsupported, path: file, name: "model.byte_fallback",
        "a BPE tokenizer.json with byte fallback is read by llama.cpp's converter as a"
          + " SentencePiece vocabulary (LlamaHfVocab), which is not implemented; convert a"
          + " folder with its tokenizer.model")
    }
    var texts: [Int: String] = [:]
    for (text, value) in try reader.object(model["vocab"], "model.vocab") {
      if let id = value.number?.int { texts[id] = text }
    }
    var added: [Int: (text: String, special: Bool)] = [:]
    for entry in root["added_tokens"]?.array ?? [] {
      guard let id = entry["id"]?.number?.int, let text = entry["content"]?.string else { continue }
      texts[id] = text
      added[id] = (text, entry["special"]?.bool == true)
    }
    let addedTexts = Set(added.values.map(\.text))
    // Most tokens are not added ones: their UTF-8 length rules them out without hashing.
    let addedLengths = Set(addedTexts.map(\.utf8.count))
    let largest = texts.keys.max() ?? -1
    let count = try Self.vocabularySize(
      config?["vocab_size"]?.number?.int, folder: folder, found: texts.count,
      in: "tokenizer.json")
    guard largest < count else {
      throw TokenizerError(
        .invalidVocabulary, path: file, name: "model.vocab",
        "token id \(largest) is outside the vocabulary size \(count) (config.json's vocab_size,"
          + " else the number of tokens)")
    }

    let name: String
    if let preTokenizer {
      name = preTokenizer
    } else {
      let tokenizer: Tokenizer
      do { tokenizer = try Tokenizer(huggingFace: folder, files: files) } catch
        where error.kind == .unsupported
      {
        var explained = error
        explained.message +=
          "; Spindle's encoder is needed to identify the BPE pre-tokenizer by llama.cpp's hash,"
          + " name it with --pre NAME instead"
        throw explained
      }
      let hash = PreTokenizerFingerprint.hash(of: tokenizer)
      guard let known = PreTokenizerFingerprint.name(forHash: hash) else {
        throw TokenizerError(
          .unsupported, path: file, name: "tokenizer.ggml.pre",
          "the BPE pre-tokenizer is not one llama.cpp's converter knows: the hash of its check"
            + " text's ids is \(hash); name it with --pre NAME (gpt-2, llama-bpe, qwen2, ...)")
      }
      name = known
    }

    var tokens: [String] = []
    var types: [GGUFValue] = []
    tokens.reserveCapacity(count)
    types.reserveCapacity(count)
    for id in 0..<count {
      guard var text = texts[id] else {
        tokens.append("[PAD\(id)]")
        types.append(.int32(TokenKind.unused.rawValue))
        continue
      }
      if addedLengths.contains(text.utf8.count) && addedTexts.contains(text) {
        let special = added[id]?.special ?? false
        if special || Self.looksSpecial(text) {
          types.append(.int32(TokenKind.control.rawValue))
        } else {
          text = text.replacingSentencePieceSpaces()
          types.append(.int32(TokenKind.userDefined.rawValue))
        }
      } else {
        types.append(.int32(TokenKind.normal.rawValue))
      }
      tokens.append(text)
    }
    set("tokenizer.ggml.model", .string("gpt2"))
    set("tokenizer.ggml.pre", .string(name))
    setStrings("tokenizer.ggml.tokens", tokens)
    set("tokenizer.ggml.token_type", .array(.int32, types))
    try addSpecialVocabulary(
      folder: folder, files: files, config: config, loadMerges: true, vocabularySize: nil)
  }

  /// `configured` (config.json's `vocab_size`), else `found`, held to
  /// ``Limits/vocabularyTokens`` before anything is sized by it.
  static func vocabularySize(_ configured: Int?, folder: String, found: Int, in file: String)
    throws(TokenizerError) -> Int
  {
    let count = configured ?? found
    guard count >= 0, count <= Limits.vocabularyTokens else {
      throw TokenizerError(
        .invalidVocabulary, path: configured == nil ? "\(folder)/\(file)" : "\(folder)/config.json",
        name: configured == nil ? nil : "vocab_size",
        "a vocabulary of \(count) tokens is outside Spindle's limit of 0…\(Limits.vocabularyTokens)"
      )
    }
    return count
  }

  /// The converter's `does_token_look_special`: texts some models mark as not special that
  /// are control tokens all the same.
  static func looksSpecial(_ text: String) -> Bool {
    ["<pad>", "<mask>", "<2mass>", "[@BOS@]"].contains(text)
      || (text.hasPrefix("<|") && text.hasSuffix("|>"))
      || (text.hasPrefix("<\u{FF5C}") && text.hasSuffix("\u{FF5C}>"))
      || (text.hasPrefix("<unused") && text.hasSuffix(">"))
  }
}

extension String {
  /// `▁` written as a space (the converter's pre-normalizing of user-defined tokens).
  func replacingSentencePieceSpaces() -> String {
    String(String.UnicodeScalarView(unicodeScalars.map { $0 == "\u{2581}" ? " " : $0 }))
  }
}

/// Whether `path` is a regular file (Python's `Path.is_file()`).
func fileExists(_ path: String) -> Bool {
  guard let status = try? Syscalls.pathStatus(path) else { return false }
  return status.st_mode & 0o170000 == 0o100000
}
