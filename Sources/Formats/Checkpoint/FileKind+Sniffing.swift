import Tensors

extension FileKind {
  /// How many leading bytes ``sniff(_:)`` reads: enough for the keys a config or tokenizer
  /// file starts with.
  public static let sniffedByteCount = 65_536

  /// The kind of `file`, from its first ``sniffedByteCount`` bytes.
  public static func sniff(_ file: MappedFile) -> FileKind {
    sniff(file.bytes(in: 0..<min(file.count, sniffedByteCount)), name: file.path)
  }

  /// The kind of a file that starts with `prefix`; `name` (a path or file name) is a hint
  /// only: it tells a `generation_config.json` from other JSON, an index whose keys come late,
  /// and a PyTorch zip whose first entry does not say so.
  public static func sniff(_ prefix: [UInt8], name: String = "") -> FileKind {
    let fileName = name.split(separator: "/").last.map(String.init) ?? name
    if prefix.isEmpty { return .empty }
    // A file cut inside the magic is a truncated GGUF, for its reader to locate.
    if prefix.starts(with: GGUFFile.magic) || GGUFFile.magic.starts(with: prefix) { return .gguf }
    if prefix.starts(with: Zstd.magic) { return .zstd }
    if prefix.starts(with: [0x50, 0x4B, 0x03, 0x04])
      || prefix.starts(with: [0x50, 0x4B, 0x05, 0x06])
    {
      return isPyTorchZip(prefix, fileName: fileName) ? .pytorchZip : .zip
    }
    if prefix.count >= 9, prefix[8] == UInt8(ascii: "{") {
      let length = prefix[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
      if length <= UInt64(SafetensorsFile.maximumHeaderLength) { return .safetensors }
    }
    // PROTO 2…5 and a first opcode (a safetensors header length of 0x0280 starts 80 02 00).
    if prefix.count >= 3, prefix[0] == 0x80, (2...5).contains(prefix[1]), prefix[2] != 0 {
      return .pytorchPickle
    }
    let unmarked = prefix.starts(with: [0xEF, 0xBB, 0xBF]) ? prefix.dropFirst(3) : prefix[...]
    let body = Array(unmarked.drop(while: isWhitespace))
    if body.starts(with: Array("version https://git-lfs".utf8)) { return .gitLFSPointer }
    // By its opening tag alone: a page in Latin-1 is still a page.
    let lowered = body.prefix(16).map { $0 | 0x20 }
    for opening in ["<!doctype html", "<html", "<head", "<body"]
    where lowered.starts(with: Array(opening.utf8)) {
      return .html
    }
    guard isText(prefix) else { return .binary }
    if let first = body.first, first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
      return .json(jsonDocument(body, fileName: fileName))
    }
    return .text
  }

  /// Which JSON file this is, by the keys in its first bytes (the file name breaking ties).
  private static func jsonDocument(_ body: [UInt8], fileName: String) -> JSONDocument {
    func has(_ key: String) -> Bool {
      let quoted = Array("\"\(key)\"".utf8)
      var start = 0
      while let found = firstIndex(of: quoted, in: body, from: start) {
        var after = found + quoted.count
        while after < body.count, isWhitespace(body[after]) { after += 1 }
        if after < body.count, body[after] == UInt8(ascii: ":") { return true }
        start = found + 1
      }
      return false
    }
    if has("weight_map") || fileName.hasSuffix(".index.json") { return .safetensorsIndex }
    if has("added_tokens") || has("pre_tokenizer") { return .tokenizer }
    if fileName == "generation_config.json" { return .generationConfig }
    if has("model_type") || has("architectures") { return .modelConfig }
    if has("tokenizer_class") || has("added_tokens_decoder") || has("chat_template") {
      return .tokenizerConfig
    }
    if fileName == "config.json" { return .modelConfig }
    if fileName == "tokenizer.json" { return .tokenizer }
    if fileName == "tokenizer_config.json" { return .tokenizerConfig }
    return .other
  }

  /// Whether a zip's first entry is one `torch.save` writes (`archive/data.pkl`,
  /// `…/byteorder`, `…/version`), or the name is a PyTorch checkpoint's.
  private static func isPyTorchZip(_ prefix: [UInt8], fileName: String) -> Bool {
    for suffix in [".bin", ".pt", ".pth", ".ckpt"] where fileName.hasSuffix(suffix) { return true }
    guard prefix.count >= 30 else { return false }
    let nameLength = Int(prefix[26]) | Int(prefix[27]) << 8
    guard prefix.count >= 30 + nameLength else { return false }
    let entry = String(decoding: prefix[30..<(30 + nameLength)], as: UTF8.self)
    return ["data.pkl", "byteorder", "version", ".data/version"].contains {
      entry.hasSuffix("/" + $0)
    }
  }

  /// UTF-8 with no control characters but tab, line feed, form feed and carriage return; a
  /// sequence cut by the end of `prefix` counts as text.
  private static func isText(_ prefix: [UInt8]) -> Bool {
    var index = 0
    while index < prefix.count {
      let byte = prefix[index]
      if byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0C && byte != 0x0D {
        return false
      }
      if byte == 0x7F { return false }
      let length = InvalidUTF8.sequenceLength(prefix, at: index)
      if length == 0 { return prefix.count - index < 4 && byte >= 0xC2 }
      index += length
    }
    return true
  }

  private static func isWhitespace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
  }

  private static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int?
  {
    guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
    var index = start
    while index <= haystack.count - needle.count {
      if haystack[index] == needle[0],
        haystack[index..<(index + needle.count)].elementsEqual(needle)
      {
        return index
      }
      index += 1
    }
    return nil
  }
}
