import Conversion

/// `spindle convert --to hf --json`: the Hugging Face folder written (or, with `--dry-run`,
/// planned), tensor by tensor.
struct ExportDocument: Encodable {
  /// One output tensor.
  struct Tensor: Encodable {
    /// transformers name.
    var name: String
    var type: String
    /// Row-major, outermost first.
    var shape: [Int]
    /// The GGUF tensor read.
    var source: String
    var sourceType: String
    /// Whether rows were reordered (Q/K permutation undone, GPT-NeoX's per-head QKV).
    var reordered: Bool
    /// The safetensors file holding it.
    var file: String
  }

  var path: String
  var output: String?
  /// `converted` or `dry-run`.
  var action: String
  var architecture: String
  var dtype: String
  var tensors: [Tensor]
  /// Every file of the folder, in the order written (planned files for a dry run).
  var files: [String]
  var skipped: [String]
  var warnings: [String]
  /// Bytes of all files (`null` for a dry run).
  var byteCount: Int?
  var seconds: Double?

  init(
    export: HuggingFaceExport, output: String?, written: HuggingFaceExport.Written?,
    seconds: Double?
  ) {
    path = export.path
    self.output = output
    action = written == nil ? "dry-run" : "converted"
    architecture =
      export.architecture.huggingFaceArchitectures.first ?? export.architecture.ggufName
    dtype = export.type.rawValue
    var fileOf: [Int: String] = [:]
    for (shard, name) in zip(export.shards, export.shardNames) {
      for index in shard { fileOf[index] = name }
    }
    tensors = export.tensors.enumerated().map { index, tensor in
      Tensor(
        name: tensor.name, type: tensor.dtype.name, shape: tensor.shape,
        source: tensor.sourceName, sourceType: tensor.source.dtype.name,
        reordered: tensor.sourceRows != nil, file: fileOf[index] ?? "")
    }
    var planned = export.shardNames
    if export.shards.count > 1 { planned.append("model.safetensors.index.json") }
    planned.append("config.json")
    if export.generationConfig != nil { planned.append("generation_config.json") }
    if export.tokenizer != nil { planned += ["tokenizer.json", "tokenizer_config.json"] }
    files = written?.files ?? planned
    skipped = export.skipped
    warnings = export.warnings
    byteCount = written?.byteCount
    self.seconds = seconds
  }
}
