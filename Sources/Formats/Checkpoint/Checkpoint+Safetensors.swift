import Tensors

extension Checkpoint {
  /// The view of one safetensors file.
  public init(safetensors file: SafetensorsFile, path: String) {
    self.init(
      path: path, layout: .safetensors, source: .safetensors(file), version: nil,
      endianness: .little, alignment: nil,
      files: [Checkpoint.part(file)],
      metadata: Checkpoint.items(file.metadata, source: "__metadata__"),
      tensors: file.tensors, problems: [])
  }

  /// The view of a sharded set; index/shard disagreements become ``problems``.
  public init(sharded model: ShardedSafetensors, path: String) {
    var metadata = Checkpoint.items(model.index.metadata, source: "index")
    if let first = model.shards.first {
      metadata += Checkpoint.items(first.metadata, source: "__metadata__")
    }
    self.init(
      path: path, layout: .shardedSafetensors, source: .sharded(model), version: nil,
      endianness: .little, alignment: nil,
      files: model.shards.map(Checkpoint.part), metadata: metadata, tensors: model.tensors,
      problems: model.problems())
  }

  /// The view of a Hugging Face folder: its configs' keys, then the weights'.
  public init(huggingFace folder: HFModelDirectory) {
    var metadata = Checkpoint.items(folder.config.json, source: "config.json")
    if let tokenizer = folder.tokenizerConfig {
      metadata += Checkpoint.items(tokenizer.json, source: "tokenizer_config.json")
    }
    var files: [FilePart] = []
    var problems: [FormatError] = []
    switch folder.weights {
    case .single(let file):
      files = [Checkpoint.part(file)]
      metadata += Checkpoint.items(file.metadata, source: "__metadata__")
    case .sharded(let model):
      files = model.shards.map(Checkpoint.part)
      metadata += Checkpoint.items(model.index.metadata, source: "index")
      metadata += Checkpoint.items(model.shards.first?.metadata, source: "__metadata__")
      problems = model.problems()
    case .unindexed(let shards):
      files = shards.map(Checkpoint.part)
      metadata += Checkpoint.items(shards.first?.metadata, source: "__metadata__")
    case nil:
      break
    }
    self.init(
      path: folder.path, layout: .huggingFace, source: .huggingFace(folder), version: nil,
      endianness: .little, alignment: nil,
      files: files, metadata: metadata, tensors: folder.tensors, problems: problems)
  }

  private static func part(_ file: SafetensorsFile) -> FilePart {
    FilePart(path: file.path, byteCount: file.file.count, headerByteCount: file.dataStart)
  }

  private static func items(_ pairs: [(key: String, value: String)]?, source: String)
    -> [MetadataItem]
  {
    (pairs ?? []).map { pair in
      MetadataItem(
        source: source, key: pair.key, type: "string", summary: abbreviated(pair.value)
      ) { .string(pair.value) }
    }
  }

  private static func items(_ object: JSONObject?, source: String) -> [MetadataItem] {
    (object ?? JSONObject()).map { member in
      MetadataItem(
        source: source, key: member.key, type: member.value.typeName,
        summary: abbreviated(member.value.string ?? member.value.serialized(.compact))
      ) { member.value }
    }
  }

  /// One line, at most 80 characters.
  static func abbreviated(_ text: String, limit: Int = 80) -> String {
    var line = text.replacing("\n", with: "\\n")
    if line.count > limit { line = String(line.prefix(limit - 1)) + "…" }
    return line
  }
}
