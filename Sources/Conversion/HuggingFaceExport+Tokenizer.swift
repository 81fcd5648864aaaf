import Formats

extension HuggingFaceExport {
  /// The `tokenizer.ggml.pre` values whose pre-tokenizer Spindle writes, as the original
  /// tokenizer.json files state them: `gpt-2`/`gpt2` (GPT-2's ByteLevel regex), `smollm` (digits split
  /// one by one, then ByteLevel), `llama-bpe` (Llama 3's split regex, then ByteLevel without
  /// its own regex).
  public static let supportedPreTokenizers = ["gpt-2", "gpt2", "smollm", "llama-bpe"]

  /// Llama 3's split pattern (`LLAMA_VOCAB_PRE_TYPE_LLAMA3` in llama.cpp).
  static let llama3Pattern =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"

  /// `tokenizer.json` and `tokenizer_config.json` rebuilt from the GGUF vocabulary; `nil`
  /// (with a warning) when the vocabulary is not byte-level BPE (`tokenizer.ggml.model`
  /// `gpt2`) or has no tokens.
  ///
  /// Control tokens (type 3) become special added tokens, user-defined ones (type 4) plain
  /// added tokens; merges are written as pairs (tokenizers ≥ 0.20's form).
  static func tokenizer(
    _ metadata: [String: GGUFValue], contextLength: Int?, warnings: inout [String]
  ) -> (json: JSONObject, config: JSONObject)? {
    let model = metadata["tokenizer.ggml.model"]?.string
    guard model == "gpt2" else {
      warnings.append(
        "tokenizer not written: tokenizer.ggml.model is \(model.map { "\"\($0)\"" } ?? "absent");"
          + " convert --to hf rebuilds byte-level BPE (\"gpt2\") vocabularies only")
      return nil
    }
    guard case .array(let tokenArray)? = metadata["tokenizer.ggml.tokens"] else {
      warnings.append("tokenizer not written: the GGUF has no tokenizer.ggml.tokens")
      return nil
    }
    let tokens = tokenArray.map { $0.string ?? "" }
    var types = [Int](repeating: 1, count: tokens.count)
    if case .array(let typeArray)? = metadata["tokenizer.ggml.token_type"] {
      for (index, value) in typeArray.enumerated() where index < types.count {
        types[index] = value.integer ?? 1
      }
    }
    var merges: [JSONValue] = []
    if case .array(let mergeArray)? = metadata["tokenizer.ggml.merges"] {
      for merge in mergeArray {
        let text = merge.string ?? ""
        guard let space = text.firstIndex(of: " ") else { continue }
        merges.append(
          .array([
            .string(String(text[..<space])), .string(String(text[text.index(after: space)...])),
          ]))
      }
    }
    let pre = metadata["tokenizer.ggml.pre"]?.string ?? "gpt2"
    if !supportedPreTokenizers.contains(pre) {
      warnings.append(
        "tokenizer.ggml.pre \"\(pre)\" has no known pre-tokenizer here; wrote GPT-2's ByteLevel"
          + " regex (supported: " + supportedPreTokenizers.joined(separator: ", ") + ")")
    }

    var added: [JSONValue] = []
    var entries: [(key: String, value: JSONValue)] = []
    var seen = Set<String>()
    for (id, token) in tokens.enumerated() {
      if seen.insert(token).inserted { entries.append((token, .integer(id))) }
      guard types[id] == 3 || types[id] == 4 else { continue }
      added.append(
        .object(
          JSONObject([
            ("id", .integer(id)), ("content", .string(token)), ("single_word", .bool(false)),
            ("lstrip", .bool(false)), ("rstrip", .bool(false)),
            ("normalized", .bool(types[id] == 4)), ("special", .bool(types[id] == 3)),
          ])))
    }
    func special(_ key: String) -> String? {
      guard let id = metadata["tokenizer.ggml.\(key)_token_id"]?.integer, id >= 0,
        id < tokens.count
      else { return nil }
      return tokens[id]
    }
    let addBOS = flag(metadata["tokenizer.ggml.add_bos_token"])
    let bos = special("bos")
    let bosID = metadata["tokenizer.ggml.bos_token_id"]?.integer

    var json = JSONObject()
    json["version"] = .string("1.0")
    json["truncation"] = .null
    json["padding"] = .null
    json["added_tokens"] = .array(added)
    json["normalizer"] = .null
    json["pre_tokenizer"] = .object(preTokenizer(pre))
    json["post_processor"] = .object(postProcessor(addBOS ? bos : nil, id: bosID))
    json["decoder"] = .object(byteLevel(addPrefixSpace: true, useRegex: true))
    json["model"] = .object(
      JSONObject([
        ("type", .string("BPE")), ("dropout", .null), ("unk_token", .null),
        ("continuing_subword_prefix", .null), ("end_of_word_suffix", .null),
        ("fuse_unk", .bool(false)), ("byte_fallback", .bool(false)),
        ("ignore_merges", .bool(pre == "llama-bpe")), ("vocab", .object(JSONObject(entries))),
        ("merges", .array(merges)),
      ]))

    var config = JSONObject()
    config["add_bos_token"] = .bool(addBOS)
    config["add_eos_token"] = .bool(flag(metadata["tokenizer.ggml.add_eos_token"]))
    for (key, name) in [
      ("bos", "bos_token"), ("eos", "eos_token"), ("unknown", "unk_token"),
      ("padding", "pad_token"),
    ] {
      if let token = special(key) { config[name] = .string(token) }
    }
    if let template = metadata["tokenizer.chat_template"]?.string {
      config["chat_template"] = .string(template)
    }
    if let contextLength { config["model_max_length"] = .integer(contextLength) }
    config["clean_up_tokenization_spaces"] = .bool(false)
    config["tokenizer_class"] = .string("PreTrainedTokenizerFast")
    return (json, config)
  }

  /// A GGUF boolean; absent or another type is `false`.
  private static func flag(_ value: GGUFValue?) -> Bool {
    if case .bool(let flag)? = value { return flag }
    return false
  }

  private static func byteLevel(addPrefixSpace: Bool, useRegex: Bool) -> JSONObject {
    JSONObject([
      ("type", .string("ByteLevel")), ("add_prefix_space", .bool(addPrefixSpace)),
      ("trim_offsets", .bool(true)), ("use_regex", .bool(useRegex)),
    ])
  }

  /// The pre-tokenizer the original tokenizer.json of a `tokenizer.ggml.pre` value states.
  private static func preTokenizer(_ pre: String) -> JSONObject {
    switch pre {
    case "smollm":
      return JSONObject([
        ("type", .string("Sequence")),
        (
          "pretokenizers",
          .array([
            .object(
              JSONObject([("type", .string("Digits")), ("individual_digits", .bool(true))])),
            .object(byteLevel(addPrefixSpace: false, useRegex: true)),
          ])
        ),
      ])
    case "llama-bpe":
      return JSONObject([
        ("type", .string("Sequence")),
        (
          "pretokenizers",
          .array([
            .object(
              JSONObject([
                ("type", .string("Split")),
                ("pattern", .object(JSONObject([("Regex", .string(llama3Pattern))]))),
                ("behavior", .string("Isolated")), ("invert", .bool(false)),
              ])),
            .object(byteLevel(addPrefixSpace: false, useRegex: false)),
          ])
        ),
      ])
    default:
      return byteLevel(addPrefixSpace: false, useRegex: true)
    }
  }

  /// A `TemplateProcessing` that prepends `bos` when the GGUF says to add it, else the plain
  /// sequence.
  private static func postProcessor(_ bos: String?, id: Int?) -> JSONObject {
    func sequence(_ name: String, _ typeID: Int) -> JSONValue {
      .object(
        JSONObject([
          ("Sequence", .object(JSONObject([("id", .string(name)), ("type_id", .integer(typeID))])))
        ]))
    }
    func specialToken(_ typeID: Int) -> JSONValue {
      .object(
        JSONObject([
          (
            "SpecialToken",
            .object(JSONObject([("id", .string(bos ?? "")), ("type_id", .integer(typeID))]))
          )
        ]))
    }
    var single = [sequence("A", 0)]
    var pair = [sequence("A", 0), sequence("B", 1)]
    var specials = JSONObject()
    if let bos, let id {
      single = [specialToken(0)] + single
      pair = [specialToken(0), sequence("A", 0), specialToken(1), sequence("B", 1)]
      specials[bos] = .object(
        JSONObject([
          ("id", .string(bos)), ("ids", .array([.integer(id)])), ("tokens", .array([.string(bos)])),
        ]))
    }
    return JSONObject([
      ("type", .string("TemplateProcessing")), ("single", .array(single)),
      ("pair", .array(pair)), ("special_tokens", .object(specials)),
    ])
  }
}
