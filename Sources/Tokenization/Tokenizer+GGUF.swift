public import Formats
import Tensors

extension Tokenizer {
  /// Reads the tokenizer of a GGUF file as llama.cpp's `llama_vocab::load` does.
  public init(gguf path: String) throws(TokenizerError) {
    let file: GGUFFile
    do { file = try GGUFFile(path: path) } catch {
      throw TokenizerError(error)
    }
    try self.init(gguf: file)
  }

  /// Reads the `tokenizer.ggml.*` keys of an open GGUF file.
  ///
  /// `tokenizer.ggml.model` "gpt2" is byte-level BPE with the pre-tokenizer of
  /// `tokenizer.ggml.pre`; "llama" is SentencePiece-style. Token types, scores, special ids,
  /// `add_bos_token`, `add_eos_token` and `add_space_prefix` follow llama.cpp's defaults.
  ///
  /// - Throws: `missingKey`, `invalidValue` (wrong type, array shorter than the vocabulary),
  ///   `invalidMerge` (naming the merge's index), `invalidVocabulary`, `unsupported` for other
  ///   tokenizer models and pre-tokenizer names.
  public init(gguf file: GGUFFile) throws(TokenizerError) {
    let path = file.path
    let reader = GGUFKeys(file: file)
    let modelName = try reader.string("tokenizer.ggml.model", required: true) ?? ""
    let tokens = try reader.strings("tokenizer.ggml.tokens", required: true)
    let count = tokens.count
    var kinds: [TokenKind] = []
    if let types = try reader.integers("tokenizer.ggml.token_type", count: count) {
      for (index, value) in types.enumerated() {
        kinds.append(TokenKind(rawValue: Int32(truncatingIfNeeded: value)) ?? .unused)
        _ = index
      }
    }
    let scores = try reader.floats("tokenizer.ggml.scores", count: count) ?? []

    let model: Model
    var merges: [(String, String)] = []
    var bos: Int32?
    var eos: Int32?
    var unknown: Int32?
    var addBOS: Bool
    switch modelName {
    case "gpt2":
      let preName = try reader.string("tokenizer.ggml.pre") ?? "default"
      guard let preTokenizer = PreTokenizer(llamaCppName: preName) else {
        throw TokenizerError(
          .unsupported, path: path, name: "tokenizer.ggml.pre",
          "pre-tokenizer \"\(preName)\" is not implemented; known: smollm, llama-bpe, qwen2,"
            + " gpt-2, default and their aliases")
      }
      model = .bytePairEncoding(preTokenizer)
      for (index, merge) in try reader.strings("tokenizer.ggml.merges", required: true)
        .enumerated()
      {
        let utf8 = Array(merge.utf8)
        guard utf8.count > 1, let space = utf8[1...].firstIndex(of: 0x20) else {
          throw TokenizerError(
            .invalidMerge, path: path, name: "tokenizer.ggml.merges[\(index)]",
            "merge \(index) \"\(merge)\" is not two symbols separated by a space")
        }
        merges.append(
          (
            String(decoding: utf8[..<space], as: UTF8.self),
            String(decoding: utf8[(space + 1)...], as: UTF8.self)
          ))
      }
      (bos, eos) = (11, 11)
      addBOS = false
    case "llama":
      let spacePrefix = try reader.bool("tokenizer.ggml.add_space_prefix") ?? true
      model = .sentencePiece(addSpacePrefix: spacePrefix)
      (bos, eos, unknown) = (1, 2, 0)
      addBOS = true
    default:
      throw TokenizerError(
        .unsupported, path: path, name: "tokenizer.ggml.model",
        "tokenizer model \"\(modelName)\" is not implemented; known: gpt2, llama")
    }
    // A default id outside the vocabulary is disabled, as llama.cpp does.
    func inRange(_ id: Int32?) -> Int32? { id.flatMap { Int($0) < count ? $0 : nil } }
    bos = try reader.tokenID("tokenizer.ggml.bos_token_id", count: count) ?? inRange(bos)
    eos = try reader.tokenID("tokenizer.ggml.eos_token_id", count: count) ?? inRange(eos)
    unknown =
      try reader.tokenID("tokenizer.ggml.unknown_token_id", count: count) ?? inRange(unknown)
    addBOS = try reader.bool("tokenizer.ggml.add_bos_token") ?? addBOS
    let addEOS = try reader.bool("tokenizer.ggml.add_eos_token") ?? false
    var endOfGeneration = Set([eos].compactMap { $0 })
    for key in ["tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"] {
      if let id = try reader.tokenID(key, count: count) { endOfGeneration.insert(id) }
    }
    if kinds.isEmpty { kinds = Array(repeating: .normal, count: count) }
    for (index, text) in tokens.enumerated() where Self.endOfGenerationTexts.contains(text) {
      endOfGeneration.insert(Int32(index))
      kinds[index] = .control
    }
    var prefix: [Int32] = []
    if addBOS {
      guard let bos else {
        throw TokenizerError(
          .missingKey, path: path, name: "tokenizer.ggml.bos_token_id",
          "add_bos_token is true but the vocabulary has no BOS token")
      }
      prefix = [bos]
    }
    var suffix: [Int32] = []
    if addEOS {
      guard let eos else {
        throw TokenizerError(
          .missingKey, path: path, name: "tokenizer.ggml.eos_token_id",
          "add_eos_token is true but the vocabulary has no EOS token")
      }
      suffix = [eos]
    }
    try self.init(
      model: model, tokens: tokens, kinds: kinds, scores: scores, merges: merges, prefix: prefix,
      suffix: suffix, endOfGeneration: endOfGeneration, unknown: unknown, path: path)
  }
}

/// Typed reads of GGUF metadata keys, with errors naming the key.
private struct GGUFKeys {
  let file: GGUFFile

  func value(_ key: String, required: Bool) throws(TokenizerError) -> GGUFValue? {
    guard let value = file.metadata(key) else {
      if required {
        throw TokenizerError(.missingKey, path: file.path, name: key, "'\(key)' is required")
      }
      return nil
    }
    return value
  }

  func wrongType(_ key: String, _ expected: String, _ value: GGUFValue) -> TokenizerError {
    TokenizerError(
      .invalidValue, path: file.path, name: key,
      "'\(key)' must be \(expected), found \(value.typeName)")
  }

  func string(_ key: String, required: Bool = false) throws(TokenizerError) -> String? {
    guard let value = try value(key, required: required) else { return nil }
    guard let text = value.string else { throw wrongType(key, "STRING", value) }
    return text
  }

  func bool(_ key: String) throws(TokenizerError) -> Bool? {
    guard let value = try value(key, required: false) else { return nil }
    guard case .bool(let flag) = value else { throw wrongType(key, "BOOL", value) }
    return flag
  }

  func tokenID(_ key: String, count: Int) throws(TokenizerError) -> Int32? {
    guard let value = try value(key, required: false) else { return nil }
    guard let id = value.integer else { throw wrongType(key, "an integer", value) }
    guard id >= 0, id < count else {
      throw TokenizerError(
        .invalidVocabulary, path: file.path, name: key,
        "'\(key)' is \(id), outside the vocabulary 0..<\(count)")
    }
    return Int32(id)
  }

  func array(_ key: String, required: Bool) throws(TokenizerError) -> GGUFArray? {
    guard let value = try value(key, required: required) else { return nil }
    guard let array = value.arrayValue else { throw wrongType(key, "an array", value) }
    return array
  }

  func strings(_ key: String, required: Bool) throws(TokenizerError) -> [String] {
    guard let array = try array(key, required: required) else { return [] }
    guard array.elementType == .string else {
      throw wrongType(key, "[STRING]", .array(array))
    }
    guard array.count <= Limits.vocabularyTokens else {
      throw TokenizerError(
        .invalidVocabulary, path: file.path, name: key,
        "'\(key)' has \(array.count) strings, over Spindle's limit of \(Limits.vocabularyTokens)")
    }
    return array.map { $0.string ?? "" }
  }

  func integers(_ key: String, count: Int) throws(TokenizerError) -> [Int]? {
    guard let array = try array(key, required: false) else { return nil }
    guard array.elementType == .int32 || array.elementType == .uint32 else {
      throw wrongType(key, "[INT32]", .array(array))
    }
    try checkLength(key, array, count)
    return array.first(count).map { $0.integer ?? 0 }
  }

  func floats(_ key: String, count: Int) throws(TokenizerError) -> [Float]? {
    guard let array = try array(key, required: false) else { return nil }
    try checkLength(key, array, count)
    switch array.elementType {
    case .float32:
      return array.first(count).map { value in
        if case .float32(let number) = value { return number }
        return 0
      }
    case .int32:
      return array.first(count).map { Float($0.integer ?? 0) }
    default:
      throw wrongType(key, "[FLOAT32] or [INT32]", .array(array))
    }
  }

  func checkLength(_ key: String, _ array: GGUFArray, _ count: Int) throws(TokenizerError) {
    guard array.count >= count else {
      throw TokenizerError(
        .invalidValue, path: file.path, name: key,
        "'\(key)' has \(array.count) entries for \(count) tokens")
    }
  }
}

extension Tokenizer {
  /// Opens the tokenizer of whatever `path` names, opened as `spindle inspect` opens it
  /// (`Checkpoint.open`): a GGUF file or split set (zstd-compressed or not) reads its
  /// `tokenizer.ggml.*` keys; a Hugging Face folder, a safetensors file or set, or a
  /// `tokenizer.json` reads the `tokenizer.json` of its folder.
  public init(path: String) throws(TokenizerError) {
    if path.hasSuffix(".json") {
      // A tokenizer.json itself; any other JSON file is named for what it is.
      if let file = try? MappedFile(path: path) {
        switch FileKind.sniff(file) {
        case .json(.tokenizer), .json(.other): break
        case .json(.safetensorsIndex):
          try self.init(huggingFace: FileKind.folder(of: path))
          return
        case let kind:
          if let refusal = kind.refusal(path: path) { throw TokenizerError(refusal) }
        }
      }
      try self.init(huggingFace: path)
      return
    }
    let checkpoint: Checkpoint
    do { checkpoint = try Checkpoint.open(path) } catch {
      throw TokenizerError(error)
    }
    switch checkpoint.source {
    case .gguf(let shards):
      guard let first = shards.first else {
        throw TokenizerError(.format, path: path, "a GGUF set without shards")
      }
      try self.init(gguf: first)
    case .huggingFace(let folder):
      try self.init(huggingFace: folder.path)
    case .sharded:
      // A folder holding an index (an index file itself is a `.json`, handled above).
      try self.init(huggingFace: path)
    case .safetensors:
      let folder = path.lastIndex(of: "/").map { slash in
        slash == path.startIndex ? "/" : String(path[..<slash])
      }
      try self.init(huggingFace: folder ?? ".")
    }
  }
}
