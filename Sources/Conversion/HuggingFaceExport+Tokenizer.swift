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
  /// (with a warning) when the vocabulary is neither byte-level BPE (`tokenizer.ggml.model`
  /// `gpt2`) nor SentencePiece (`llama`), or has no tokens.
  ///
  /// Unknown and control tokens (types 2, 3) become special added tokens, user-defined ones (type 4) plain
  /// added tokens; merges are written as pairs (tokenizers ≥ 0.20's form).
  static func tokenizer(
    _ metadata: [String: GGUFValue], contextLength: Int?, warnings: inout [String]
  ) -> (json: JSONObject, config: JSONObject)? {
    let model = metadata["tokenizer.ggml.model"]?.string
    guard model == "gpt2" || model == "llama" else {
      warnings.append(
        "tokenizer not written: tokenizer.ggml.model is \(model.map { "\"\($0)\"" } ?? "absent");"
          + " convert --to hf rebuilds byte-level BPE (\"gpt2\") and SentencePiece (\"llama\")"
          + " vocabularies only")
      return nil
    }
    let sentencePiece = model == "llama"
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
    if sentencePiece {
      merges = sentencePieceMerges(tokens).map {
        .array([.string($0), .string($1)])
      }
    } else if case .array(let mergeArray)? = metadata["tokenizer.ggml.merges"] {
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
    if !sentencePiece && !supportedPreTokenizers.contains(pre) {
      warnings.append(
        "tokenizer.ggml.pre \"\(pre)\" has no known pre-tokenizer here; wrote GPT-2's ByteLevel"
          + " regex (supported: " + supportedPreTokenizers.joined(separator: ", ") + ")")
    }

    var added: [JSONValue] = []
    var entries: [(key: String, value: JSONValue)] = []
    var seen = Set<String>()
    for (id, token) in tokens.enumerated() {
      if seen.insert(token).inserted { entries.append((token, .integer(id))) }
      guard (2...4).contains(types[id]) else { continue }
      added.append(
        .object(
          JSONObject([
            ("id", .integer(id)), ("content", .string(token)), ("single_word", .bool(false)),
            ("lstrip", .bool(false)), ("rstrip", .bool(false)),
            ("normalized", .bool(types[id] == 4)), ("special", .bool(types[id] != 4)),
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
    // The unknown token: the id the GGUF names, else the token typed unknown (2).
    let unknown = special("unknown") ?? types.firstIndex(of: 2).map { tokens[$0] }

    // SentencePiece's dummy prefix (`tokenizer.ggml.add_space_prefix`, absent means on).
    let addPrefixSpace = metadata["tokenizer.ggml.add_space_prefix"].map { flag($0) } ?? true

    var json = JSONObject()
    json["version"] = .string("1.0")
    json["truncation"] = .null
    json["padding"] = .null
    json["added_tokens"] = .array(added)
    json["normalizer"] = .null
    json["pre_tokenizer"] = .object(
      sentencePiece ? metaspace(addPrefixSpace: addPrefixSpace) : preTokenizer(pre))
    json["post_processor"] = .object(postProcessor(addBOS ? bos : nil, id: bosID))
    json["decoder"] = .object(
      sentencePiece
        ? sentencePieceDecoder(addPrefixSpace: addPrefixSpace)
        : byteLevel(addPrefixSpace: true, useRegex: true))
    json["model"] = .object(
      JSONObject([
        ("type", .string("BPE")), ("dropout", .null),
        ("unk_token", sentencePiece ? unknown.map(JSONValue.string) ?? .null : .null),
        ("continuing_subword_prefix", .null), ("end_of_word_suffix", .null),
        ("fuse_unk", .bool(sentencePiece)), ("byte_fallback", .bool(sentencePiece)),
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
    if config["unk_token"] == nil, let unknown { config["unk_token"] = .string(unknown) }
    if let template = metadata["tokenizer.chat_template"]?.string {
      config["chat_template"] = .string(template)
    }
    if let contextLength { config["model_max_length"] = .integer(contextLength) }
    config["clean_up_tokenization_spaces"] = .bool(false)
    if sentencePiece {
      // transformers rebuilds a LlamaTokenizer from the file's vocabulary and merges, as it
      // does for the original folder, so AutoTokenizer gives the original's ids; transformers
      // 4 reads `add_prefix_space` only from tokenizer.model, so it is written only when off.
      config["legacy"] = .bool(false)
      config["add_prefix_space"] = addPrefixSpace ? .null : .bool(false)
      config["tokenizer_class"] = .string("LlamaTokenizer")
    } else {
      config["tokenizer_class"] = .string("PreTrainedTokenizerFast")
    }
    return (json, config)
  }

  /// SentencePiece's word boundary: `▁` for spaces, one prepended to the first word when the
  /// model adds a dummy prefix (transformers' LlamaConverter, non-legacy).
  private static func metaspace(addPrefixSpace: Bool) -> JSONObject {
    JSONObject([
      ("type", .string("Metaspace")), ("replacement", .string("\u{2581}")),
      ("prepend_scheme", .string(addPrefixSpace ? "first" : "never")), ("split", .bool(false)),
    ])
  }

  /// transformers' Llama decoder: `▁` back to spaces, `<0xNN>` pieces back to bytes, and the
  /// leading space of the first word dropped when the encoder prepends one.
  private static func sentencePieceDecoder(addPrefixSpace: Bool) -> JSONObject {
    var decoders: [JSONValue] = [
      .object(
        JSONObject([
          ("type", .string("Replace")),
          ("pattern", .object(JSONObject([("String", .string("\u{2581}"))]))),
          ("content", .string(" ")),
        ])),
      .object(JSONObject([("type", .string("ByteFallback"))])),
      .object(JSONObject([("type", .string("Fuse"))])),
    ]
    if addPrefixSpace {
      decoders.append(
        .object(
          JSONObject([
            ("type", .string("Strip")), ("content", .string(" ")), ("start", .integer(1)),
            ("stop", .integer(0)),
          ])))
    }
    return JSONObject([("type", .string("Sequence")), ("decoders", .array(decoders))])
  }

  /// The merges transformers' `SentencePieceExtractor` derives from a SentencePiece vocabulary
  /// (`generate_merges` without scores, transformers 5): every split of every piece into two
  /// pieces of the vocabulary, ordered by the piece's id, then by the lengths of the two halves
  /// (shorter left half first), ties kept in vocabulary order. transformers 4 ordered by score,
  /// longer halves first; the two differ only among splits of one piece.
  static func sentencePieceMerges(_ tokens: [String]) -> [(String, String)] {
    var ids: [String: Int] = [:]
    for (id, token) in tokens.enumerated() where ids[token] == nil { ids[token] = id }
    var merges: [(left: String, right: String, id: Int, order: Int)] = []
    for (id, token) in tokens.enumerated() where ids[token] == id {
      let scalars = Array(token.unicodeScalars)
      var local: [(left: String, right: String)] = []
      for index in 1..<max(1, scalars.count) {
        var left = String.UnicodeScalarView()
        left.append(contentsOf: scalars[..<index])
        var right = String.UnicodeScalarView()
        right.append(contentsOf: scalars[index...])
        let (l, r) = (String(left), String(right))
        if ids[l] != nil && ids[r] != nil { local.append((l, r)) }
      }
      local.sort {
        (ids[$0.left] ?? 0, ids[$0.right] ?? 0) < (ids[$1.left] ?? 0, ids[$1.right] ?? 0)
      }
      for pair in local { merges.append((pair.left, pair.right, id, merges.count)) }
    }
    merges.sort { a, b in
      let ka = (a.id, a.left.unicodeScalars.count, a.right.unicodeScalars.count)
      let kb = (b.id, b.left.unicodeScalars.count, b.right.unicodeScalars.count)
      if ka != kb { return ka < kb }
      return a.order < b.order
    }
    return merges.map { ($0.left, $0.right) }
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
