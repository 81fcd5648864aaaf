import Formats
import Tensors

extension Tokenizer {
  /// Reads a Hugging Face `tokenizer.json` (a path to the file, or to the folder holding it)
  /// as the `tokenizers` library would encode with it.
  ///
  /// Supported: a `BPE` model (`vocab`, `merges` as `"a b"` strings or pairs, `ignore_merges`),
  /// no normalizer, pre-tokenizers `ByteLevel`, `Digits` and `Split` (llama3, qwen2 and GPT-2
  /// regexes, `Isolated`) alone or in a `Sequence`, `added_tokens` (special ones become control
  /// tokens, others user-defined; `lstrip`/`rstrip` honoured), and a `TemplateProcessing` post
  /// processor's special tokens around the single sequence. End-of-generation tokens come from
  /// `tokenizer_config.json`'s `eos_token` and `generation_config.json`'s `eos_token_id` next to
  /// it, plus the usual end-of-turn texts.
  ///
  /// Added tokens are matched longest first, as llama.cpp does; `tokenizers` matches them
  /// leftmost-longest, which differs only when two added tokens overlap in the text.
  ///
  /// - Throws: `format` for unreadable JSON, `missingKey`/`invalidValue` naming the JSON path,
  ///   `invalidMerge`, `invalidVocabulary`, `unsupported` naming the component.
  public init(huggingFace path: String) throws(TokenizerError) {
    try self.init(huggingFace: path, files: TokenizerFiles())
  }

  /// ``init(huggingFace:)`` reading its JSON files through `files`.
  init(huggingFace path: String, files: TokenizerFiles) throws(TokenizerError) {
    let folder: String
    let file: String
    if path.hasSuffix(".json") {
      file = path
      folder = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        .joined(separator: "/")
    } else {
      folder = path.hasSuffix("/") ? String(path.dropLast()) : path
      file = "\(folder)/tokenizer.json"
    }
    let root = try files.json(file, required: true)?.object ?? JSONObject()
    let reader = JSONReader(path: file)
    let modelObject = try reader.object(root["model"], "model")
    let modelType = try reader.string(modelObject["type"], "model.type")
    guard modelType == "BPE" else {
      throw TokenizerError(
        .unsupported, path: file, name: "model.type",
        "model type \"\(modelType)\" is not implemented; only BPE is")
    }
    for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
      if let value = modelObject[key], value != .null, value.string != "" {
        throw TokenizerError(
          .unsupported, path: file, name: "model.\(key)", "model.\(key) must be empty")
      }
    }
    if modelObject["byte_fallback"]?.bool == true {
      throw TokenizerError(
        .unsupported, path: file, name: "model.byte_fallback",
        "BPE byte fallback is not implemented")
    }
    if let normalizer = root["normalizer"], normalizer != .null {
      let type = normalizer["type"]?.string ?? normalizer.typeName
      throw TokenizerError(
        .unsupported, path: file, name: "normalizer",
        "normalizer \"\(type)\" is not implemented; only none is")
    }

    // Vocabulary: model.vocab plus added tokens.
    var texts: [Int: String] = [:]
    for (text, value) in try reader.object(modelObject["vocab"], "model.vocab") {
      guard let id = value.number?.int, id >= 0, id < Int(Int32.max) else {
        throw TokenizerError(
          .invalidVocabulary, path: file, name: "model.vocab[\"\(text)\"]",
          "the id of \"\(text)\" must be a non-negative integer, found \(value)")
      }
      if let other = texts.updateValue(text, forKey: id) {
        throw TokenizerError(
          .invalidVocabulary, path: file, name: "model.vocab[\"\(text)\"]",
          "\"\(other)\" and \"\(text)\" both have id \(id)")
      }
    }
    var kindsByID: [Int: TokenKind] = [:]
    var stripsLeft: Set<Int32> = []
    var stripsRight: Set<Int32> = []
    let added = root["added_tokens"]?.array ?? []
    for (index, entry) in added.enumerated() {
      let name = "added_tokens[\(index)]"
      guard let id = entry["id"]?.number?.int, id >= 0, id < Int(Int32.max),
        let content = entry["content"]?.string
      else {
        throw TokenizerError(
          .invalidValue, path: file, name: name, "\(name) needs an integer id and a content")
      }
      if let existing = texts[id], existing != content {
        throw TokenizerError(
          .invalidVocabulary, path: file, name: name,
          "added token \"\(content)\" has id \(id), which the vocabulary gives to \"\(existing)\"")
      }
      texts[id] = content
      kindsByID[id] = entry["special"]?.bool == true ? .control : .userDefined
      if entry["lstrip"]?.bool == true { stripsLeft.insert(Int32(id)) }
      if entry["rstrip"]?.bool == true { stripsRight.insert(Int32(id)) }
    }
    let count = (texts.keys.max() ?? -1) + 1
    var tokens = [String](repeating: "", count: count)
    var kinds = [TokenKind](repeating: .normal, count: count)
    for (id, text) in texts { tokens[id] = text }
    for id in 0..<count where texts[id] == nil { kinds[id] = .unused }
    for (id, kind) in kindsByID { kinds[id] = kind }

    let merges = try Self.merges(modelObject["merges"], reader: reader)
    let preTokenizer = try Self.preTokenizer(root["pre_tokenizer"], reader: reader)
    // The few texts looked up here (template, end-of-generation and unknown tokens) are found
    // by a scan comparing UTF-8 bytes, as `tokenizers` does, not through a dictionary of every
    // token: the tokenizer's own initializer builds that one, and hashing 49 k texts twice
    // costs more. Texts are unique (the initializer refuses duplicates).
    func id(of text: String) -> Int32? {
      let length = text.utf8.count
      return tokens.indices.first { index in
        tokens[index].utf8.count == length && texts[index] != nil
          && tokens[index].utf8.elementsEqual(text.utf8)
      }.map { Int32($0) }
    }
    let (prefix, suffix) = try Self.template(root["post_processor"], id: id, reader: reader)

    var endOfGeneration: Set<Int32> = []
    for text in Self.endOfGenerationTexts {
      if let id = id(of: text) { endOfGeneration.insert(id) }
    }
    if let config = try files.json("\(folder)/tokenizer_config.json", required: false) {
      let eos = config["eos_token"]
      if let text = eos?.string ?? eos?["content"]?.string, let id = id(of: text) {
        endOfGeneration.insert(id)
      }
    }
    if let generation = try files.json("\(folder)/generation_config.json", required: false) {
      let value = generation["eos_token_id"]
      for id in (value?.array ?? value.map { [$0] } ?? []).compactMap({ $0.number?.int })
      where id >= 0 && id < count {
        endOfGeneration.insert(Int32(id))
      }
    }
    var unknown: Int32?
    if let text = modelObject["unk_token"]?.string { unknown = id(of: text) }

    try self.init(
      model: .bytePairEncoding(preTokenizer), tokens: tokens, kinds: kinds, merges: merges,
      prefix: prefix, suffix: suffix, endOfGeneration: endOfGeneration, unknown: unknown,
      ignoreMerges: modelObject["ignore_merges"]?.bool ?? false,
      strips: (stripsLeft, stripsRight), path: file)
  }

  static func readJSON(_ path: String, required: Bool) throws(TokenizerError) -> JSONValue? {
    let file: MappedFile
    do { file = try MappedFile(path: path) } catch {
      if !required && error.isNotFound { return nil }
      if error.isNotFound {
        throw TokenizerError(
          FormatError(
            .notFound, path: path,
            "no such file; the tokenizer of a Hugging Face model is read from its tokenizer.json",
            cause: error))
      }
      throw TokenizerError(FormatError(error))
    }
    do {
      return try file.withUnsafeBytes { bytes throws(FormatError) in
        try JSONValue.parse(bytes, path: path)
      }
    } catch {
      throw TokenizerError(error)
    }
  }

  static func merges(_ value: JSONValue?, reader: JSONReader) throws(TokenizerError)
    -> [(String, String)]
  {
    guard let value, value != .null else { return [] }
    guard let list = value.array else {
      throw TokenizerError(
        .invalidValue, path: reader.path, name: "model.merges",
        "model.merges must be an array, found \(value.typeName)")
    }
    var merges: [(String, String)] = []
    merges.reserveCapacity(list.count)
    for (index, entry) in list.enumerated() {
      if let pair = entry.array, pair.count == 2, let left = pair[0].string,
        let right = pair[1].string
      {
        merges.append((left, right))
        continue
      }
      if let text = entry.string {
        let parts = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2 && !parts[0].isEmpty {
          merges.append((String(parts[0]), String(parts[1])))
          continue
        }
      }
      throw TokenizerError(
        .invalidMerge, path: reader.path, name: "model.merges[\(index)]",
        "merge \(index) must be \"a b\" or [\"a\", \"b\"], found \(entry)")
    }
    return merges
  }

  static func preTokenizer(_ value: JSONValue?, reader: JSONReader) throws(TokenizerError)
    -> PreTokenizer
  {
    var result = PreTokenizer(rules: [], byteLevel: false)
    guard let value, value != .null else { return result }
    var steps = [value]
    if value["type"]?.string == "Sequence" {
      steps = value["pretokenizers"]?.array ?? []
    }
    for (index, step) in steps.enumerated() {
      let name = "pre_tokenizer[\(index)]"
      let type = step["type"]?.string ?? ""
      switch type {
      case "ByteLevel":
        result.byteLevel = true
        if step["add_prefix_space"]?.bool == true { result.addPrefixSpace = true }
        if step["use_regex"]?.bool ?? true { result.rules.append(.gpt2) }
      case "Digits":
        result.rules.append(step["individual_digits"]?.bool == true ? .eachNumber : .numberRuns)
      case "Split":
        let pattern = step["pattern"]?["Regex"]?.string ?? step["pattern"]?["String"]?.string ?? ""
        guard step["behavior"]?.string == "Isolated", step["invert"]?.bool != true,
          let rule = PreTokenizer.rule(forRegex: pattern)
        else {
          throw TokenizerError(
            .unsupported, path: reader.path, name: name,
            "Split with pattern \(pattern) and behavior \(step["behavior"]?.string ?? "?") is"
              + " not implemented; known: the GPT-2, llama3 and qwen2 regexes, Isolated")
        }
        result.rules.append(rule)
      default:
        throw TokenizerError(
          .unsupported, path: reader.path, name: name,
          "pre-tokenizer \"\(type)\" is not implemented; known: ByteLevel, Digits, Split")
      }
    }
    return result
  }

  static func template(
    _ value: JSONValue?, id: (String) -> Int32?, reader: JSONReader
  ) throws(TokenizerError) -> (prefix: [Int32], suffix: [Int32]) {
    guard let value, value != .null else { return ([], []) }
    switch value["type"]?.string ?? "" {
    case "ByteLevel":
      return ([], [])
    case "Sequence":
      var prefix: [Int32] = []
      var suffix: [Int32] = []
      for step in value["processors"]?.array ?? [] {
        let (p, s) = try template(step, id: id, reader: reader)
        prefix += p
        suffix += s
      }
      return (prefix, suffix)
    case "TemplateProcessing":
      var prefix: [Int32] = []
      var suffix: [Int32] = []
      var seenSequence = false
      for item in value["single"]?.array ?? [] {
        if item["Sequence"] != nil {
          seenSequence = true
          continue
        }
        guard let text = item["SpecialToken"]?["id"]?.string else { continue }
        let special = value["special_tokens"]?[text]
        let listed = special?["ids"]?.array?.compactMap { $0.number?.int }.map { Int32($0) }
        guard let tokenIDs = listed ?? id(text).map({ [$0] }) else {
          throw TokenizerError(
            .invalidVocabulary, path: reader.path, name: "post_processor.single",
            "template token \"\(text)\" is not in the vocabulary")
        }
        if seenSequence { suffix += tokenIDs } else { prefix += tokenIDs }
      }
      return (prefix, suffix)
    case let type:
      throw TokenizerError(
        .unsupported, path: reader.path, name: "post_processor",
        "post processor \"\(type)\" is not implemented; known: TemplateProcessing, ByteLevel")
    }
  }
}

/// Typed reads of JSON fields, with errors naming the field.
struct JSONReader {
  let path: String

  func object(_ value: JSONValue?, _ name: String) throws(TokenizerError) -> JSONObject {
    guard let value else {
      throw TokenizerError(.missingKey, path: path, name: name, "\"\(name)\" is required")
    }
    guard let object = value.object else {
      throw TokenizerError(
        .invalidValue, path: path, name: name,
        "\"\(name)\" must be an object, found \(value.typeName)")
    }
    return object
  }

  func string(_ value: JSONValue?, _ name: String) throws(TokenizerError) -> String {
    guard let value else {
      throw TokenizerError(.missingKey, path: path, name: name, "\"\(name)\" is required")
    }
    guard let text = value.string else {
      throw TokenizerError(
        .invalidValue, path: path, name: name,
        "\"\(name)\" must be a string, found \(value.typeName)")
    }
    return text
  }
}
