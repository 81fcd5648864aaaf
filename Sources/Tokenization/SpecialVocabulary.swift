import Formats
import Tensors

/// gguf-py's `SpecialVocab`: merges, special token ids, add-BOS/EOS/SEP flags, chat template
/// and normalizer flags, found in `tokenizer.json`, `tokenizer_config.json`,
/// `chat_template.jinja`/`.json` and `config.json` the way the converter finds them.
///
/// Its quirks are kept: ids named in `tokenizer_config.json` are looked up only among
/// `tokenizer.json`'s `added_tokens`; the first id found for a type wins, `config.json` last;
/// a `TemplateProcessing` whose single sequence ends in a token other than EOS makes that token
/// EOS and the old one EOT.
struct SpecialVocabulary {
  var merges: [String] = []
  var ids: [(type: String, id: Int)] = []
  var addFlags: [(type: String, value: Bool)] = []
  var chatTemplate: JSONValue?
  var lowercase: Bool?
  var stripAccents: Bool?
  var types = ["bos", "eos", "unk", "sep", "pad", "cls", "mask"]
  let vocabularySize: Int?
  let path: String

  /// The GGUF key of each special token type the converter's writer has a setter for.
  static let idKeys = [
    "bos": "tokenizer.ggml.bos_token_id", "eos": "tokenizer.ggml.eos_token_id",
    "unk": "tokenizer.ggml.unknown_token_id", "sep": "tokenizer.ggml.seperator_token_id",
    "pad": "tokenizer.ggml.padding_token_id", "mask": "tokenizer.ggml.mask_token_id",
    "eot": "tokenizer.ggml.eot_token_id", "eom": "tokenizer.ggml.eom_token_id",
  ]
  static let flagKeys = [
    "bos": "tokenizer.ggml.add_bos_token", "eos": "tokenizer.ggml.add_eos_token",
    "sep": "tokenizer.ggml.add_sep_token",
  ]

  init(
    folder: String, files: TokenizerFiles, config: JSONValue?, loadMerges: Bool,
    vocabularySize: Int?
  ) throws(TokenizerError) {
    self.vocabularySize = vocabularySize
    path = folder
    try loadFromTokenizer(folder: folder, files: files, loadMerges: loadMerges)
    if let config {
      for type in types {
        var value = config["\(type)_token_id"]
        if value == nil || value == .null { value = config["text_config"]?["\(type)_token_id"] }
        try setID(type, value?.number?.int, file: "\(folder)/config.json")
      }
    }
    if loadMerges && merges.isEmpty { try loadMergesText("\(folder)/merges.txt") }
  }

  /// Python's truthiness of a JSON value.
  static func truthy(_ value: JSONValue?) -> Bool {
    switch value {
    case nil, .null?: false
    case .bool(let flag)?: flag
    case .string(let text)?: !text.isEmpty
    case .number(let number)?: number.double != 0
    case .array(let list)?: !list.isEmpty
    case .object(let object)?: object.count > 0
    }
  }

  mutating func setFlag(_ type: String, _ value: Bool, onlyIfUnset: Bool = false) {
    if let index = addFlags.firstIndex(where: { $0.type == type }) {
      if !onlyIfUnset { addFlags[index].value = value }
    } else {
      addFlags.append((type, value))
    }
  }

  /// `_set_special_token`: integers only, the first one per type, inside the vocabulary.
  mutating func setID(_ type: String, _ id: Int?, file: String) throws(TokenizerError) {
    guard let id else { return }
    guard id >= 0 else {
      throw TokenizerError(
        .invalidValue, path: file, name: "\(type)_token",
        "invalid value for special token type \(type): \(id)")
    }
    if let vocabularySize, id >= vocabularySize { return }
    if ids.contains(where: { $0.type == type }) { return }
    ids.append((type, id))
  }

  mutating func loadFromTokenizer(
    folder: String, files: TokenizerFiles, loadMerges: Bool
  ) throws(TokenizerError) {
    let tokenizerFile = "\(folder)/tokenizer.json"
    let tokenizer = try files.json(tokenizerFile, required: false)
    var added: [JSONValue] = []
    if let tokenizer {
      if loadMerges { try readMerges(tokenizer["model"]?["merges"], file: tokenizerFile) }
      if Self.truthy(tokenizer["normalizer"]), let normalizer = tokenizer["normalizer"] {
        parseNormalizer(normalizer)
      }
      added = tokenizer["added_tokens"]?.array ?? []
    }
    let configFile = "\(folder)/tokenizer_config.json"
    var tokenizerConfig: [String: JSONValue]?
    if let object = try files.json(configFile, required: false)?.object {
      tokenizerConfig = Dictionary(object.members, uniquingKeysWith: { _, last in last })
    }
    let configTruthy = !(tokenizerConfig?.isEmpty ?? true)
    if Self.truthy(tokenizer) {
      readPostProcessor(tokenizer?["post_processor"], config: &tokenizerConfig)
    }
    guard let tokenizerConfig, configTruthy else { return }

    var alternative: JSONValue?
    let jinja = "\(folder)/chat_template.jinja"
    if fileExists(jinja) {
      let text = try Self.readText(jinja)
      alternative = .string(text)
      let extra = "\(folder)/additional_chat_templates"
      let names = ((try? Syscalls.directoryEntries(extra)) ?? []).filter { $0.hasSuffix(".jinja") }
      if !names.isEmpty {
        var list: [JSONValue] = [
          .object(JSONObject([("name", .string("default")), ("template", .string(text))]))
        ]
        for name in names.sorted() {
          list.append(
            .object(
              JSONObject([
                ("name", .string(String(name.dropLast(6)))),
                ("template", .string(try Self.readText("\(extra)/\(name)"))),
              ])))
        }
        alternative = .array(list)
      }
    } else if let json = try files.json("\(folder)/chat_template.json", required: false) {
      alternative = json["chat_template"]
    }
    let template =
      tokenizerConfig.keys.contains("chat_template")
      ? tokenizerConfig["chat_template"] : alternative
    switch template {
    case .string?, .array?: chatTemplate = template
    default: chatTemplate = nil
    }

    for type in types {
      if let flag = tokenizerConfig["add_\(type)_token"]?.bool {
        setFlag(type, flag, onlyIfUnset: true)
      }
      let entry = tokenizerConfig["\(type)_token"]
      guard let content = entry?.string ?? entry?["content"]?.string else { continue }
      let id = added.first { $0["content"]?.string == content }?["id"]?.number?.int
      try setID(type, id, file: configFile)
    }
  }

  /// The `post_processor` part of `_try_load_from_tokenizer_json`.
  mutating func readPostProcessor(_ value: JSONValue?, config: inout [String: JSONValue]?) {
    let configTruthy = !(config?.isEmpty ?? true)
    var bos = config?["bos_token"]
    var cls = config?["cls_token"]
    var eos = config?["eos_token"]
    var sep = config?["sep_token"]
    if !Self.truthy(bos) && Self.truthy(cls) && configTruthy {
      bos = cls
      config?["bos_token"] = cls
    }
    if !Self.truthy(eos) && Self.truthy(sep) && configTruthy {
      eos = sep
      config?["eos_token"] = sep
    }
    guard Self.truthy(value), let value else { return }
    let processors = value["processors"]?.array ?? [value]
    for processor in processors {
      switch processor["type"]?.string {
      case "ByteLevel":
        setFlag("bos", false, onlyIfUnset: true)
        setFlag("eos", false, onlyIfUnset: true)
      case "RobertaProcessing":
        setFlag("bos", true)
        setFlag("eos", true)
        setFlag("sep", true)
        if !Self.truthy(cls) && configTruthy {
          cls = processor["cls"]?.array?.first ?? bos
          config?["cls_token"] = cls
        }
        if !Self.truthy(sep) && configTruthy {
          sep = processor["sep"]?.array?.first ?? eos
          config?["sep_token"] = sep
        }
      case "TemplateProcessing":
        let single = processor["single"]?.array ?? []
        var pair = processor["pair"]?.array ?? []
        var first: String?
        var last: String?
        func specialID(_ item: JSONValue) -> String? {
          guard let id = item["SpecialToken"]?["id"]?.string, !id.isEmpty else { return nil }
          return id
        }
        if single.count > 1 {
          if let id = specialID(single[0]) {
            first = id
            if !configTruthy {
              bos = .string(id)
            } else if bos != .string(id) && cls != .string(id) {
              if !Self.truthy(bos) {
                bos = .string(id)
                config?["bos_token"] = bos
              }
              if !Self.truthy(cls) {
                cls = .string(id)
                config?["cls_token"] = cls
              }
            }
            setFlag("bos", bos == .string(id) || cls == .string(id))
          }
          if let id = specialID(single[single.count - 1]) {
            last = id
            if !configTruthy {
              eos = .string(id)
            } else if eos != .string(id) {
              if !types.contains("eot") {
                types.append("eot")
                config?["eot_token"] = eos ?? .null
              } else if !types.contains("eom") {
                types.append("eom")
                config?["eom_token"] = eos ?? .null
              }
              eos = .string(id)
              config?["eos_token"] = eos
            }
            setFlag("eos", eos == .string(id))
          }
        }
        if !pair.isEmpty {
          let start = first != nil && specialID(pair[0]) == first ? 1 : 0
          let stop =
            last != nil && specialID(pair[pair.count - 1]) == last ? pair.count - 1 : pair.count
          pair = start < stop ? Array(pair[start..<stop]) : []
          if !pair.isEmpty {
            let a = pair[0]["Sequence"]?["id"]?.string
            let b = pair[pair.count - 1]["Sequence"]?["id"]?.string
            let middle = pair.count > 2 ? Array(pair[1..<(pair.count - 1)]) : []
            if a == "A" && b == "B" && !middle.isEmpty {
              var addSeparator = false
              if let id = specialID(middle[0]),
                sep == .string(id) || eos == .string(id), last == nil
              {
                addSeparator = true
              }
              if middle.count == 2, let id = specialID(middle[1]),
                sep == .string(id) || eos == .string(id)
              {
                addSeparator = true
              }
              setFlag("sep", addSeparator)
              if addSeparator && !Self.truthy(sep) && configTruthy {
                config?["sep_token"] = eos ?? .null
              }
            }
          }
        }
      default:
        continue
      }
    }
  }

  /// `_parse_normalizer`: lowercase / strip-accents flags.
  mutating func parseNormalizer(_ normalizer: JSONValue) {
    switch normalizer["type"]?.string {
    case "Lowercase": lowercase = true
    case "StripAccents": stripAccents = true
    case "BertNormalizer":
      if let value = normalizer["lowercase"] { lowercase = value.bool }
      if let value = normalizer["strip_accents"] { stripAccents = value.bool }
    case "Sequence":
      for inner in normalizer["normalizers"]?.array ?? [] { parseNormalizer(inner) }
    default: break
    }
  }

  /// `model.merges` as `"a b"` strings; pairs are joined with a space after writing each
  /// space inside them as U+0120 (`Ġ`), as gguf-py does.
  mutating func readMerges(_ value: JSONValue?, file: String) throws(TokenizerError) {
    guard let list = value?.array, let head = list.first else { return }
    if head.string != nil {
      merges = list.compactMap(\.string)
      return
    }
    guard let pair = head.array, pair.count == 2, pair[0].string != nil else {
      throw TokenizerError(
        .invalidMerge, path: file, name: "model.merges", "unknown tokenizer merges format")
    }
    merges.reserveCapacity(list.count)
    for entry in list {
      let parts = (entry.array ?? []).map { part in
        let text = part.string ?? ""
        guard text.utf8.contains(UInt8(ascii: " ")) else { return text }
        return String(
          String.UnicodeScalarView(text.unicodeScalars.map { $0 == " " ? "\u{0120}" : $0 }))
      }
      merges.append(parts.joined(separator: " "))
    }
  }

  /// `_try_load_merges_txt`: `merges.txt` lines of two fields, a leading `#` line skipped.
  mutating func loadMergesText(_ file: String) throws(TokenizerError) {
    guard fileExists(file) else { return }
    var lines = try Self.readText(file).split(separator: "\n", omittingEmptySubsequences: false)
    if let first = lines.first, first.trimmingSpaces().hasPrefix("#") { lines.removeFirst() }
    var result: [String] = []
    for line in lines {
      let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
      if parts.count == 2 { result.append("\(parts[0]) \(parts[1])") }
    }
    merges = result
  }

  static func readText(_ path: String) throws(TokenizerError) -> String {
    let file: MappedFile
    do { file = try MappedFile(path: path) } catch { throw TokenizerError(FormatError(error)) }
    return file.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
  }

  /// `add_to_gguf`.
  func add(to metadata: inout TokenizerMetadata) {
    metadata.setStrings("tokenizer.ggml.merges", merges)
    for (type, id) in ids {
      if let key = Self.idKeys[type] { metadata.set(key, .uint32(UInt32(id))) }
    }
    for (type, value) in addFlags {
      if let key = Self.flagKeys[type] { metadata.set(key, .bool(value)) }
    }
    switch chatTemplate {
    case .string(let text)?:
      metadata.set("tokenizer.chat_template", .string(text))
    case .array(let choices)?:
      var names: [String] = []
      var defaultTemplate: String?
      for choice in choices {
        let name = String(
          (choice["name"]?.string ?? "").map {
            $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_"
          })
        guard !name.isEmpty, let template = choice["template"]?.string else { continue }
        if name == "default" {
          defaultTemplate = template
        } else {
          if !names.contains(name) { names.append(name) }
          metadata.set("tokenizer.chat_template.\(name)", .string(template))
        }
      }
      metadata.setStrings("tokenizer.chat_templates", names)
      if let defaultTemplate { metadata.set("tokenizer.chat_template", .string(defaultTemplate)) }
    default:
      break
    }
    if let lowercase { metadata.set("tokenizer.ggml.normalizer.lowercase", .bool(lowercase)) }
    if let stripAccents {
      metadata.set("tokenizer.ggml.normalizer.strip_accents", .bool(stripAccents))
    }
  }
}

extension Substring {
  func trimmingSpaces() -> Substring {
    drop { $0 == " " || $0 == "\t" || $0 == "\r" }
  }
}

extension TokenizerMetadata {
  /// Adds what ``SpecialVocabulary`` finds in `folder`.
  mutating func addSpecialVocabulary(
    folder: String, files: TokenizerFiles, config: JSONValue?, loadMerges: Bool,
    vocabularySize: Int?
  ) throws(TokenizerError) {
    let special = try SpecialVocabulary(
      folder: folder, files: files, config: config, loadMerges: loadMerges,
      vocabularySize: vocabularySize)
    special.add(to: &self)
  }
}
