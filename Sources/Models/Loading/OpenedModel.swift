import Formats
import Inference
import Tensors

#if canImport(Glibc)
import Glibc
#endif

/// A checkpoint opened by Formats' one opener, reduced to what the loader reads: the format,
/// the metadata or config, and a view of every tensor.
struct OpenedModel {
  /// The path as given.
  var path: String
  var format: ModelFormat
  /// The file hyperparameter errors name: the GGUF (first shard) or config.json.
  var metadataPath: String
  var gguf: [String: GGUFValue] = [:]
  var config = JSONObject()
  /// transformers `architectures`, when config.json lists them.
  var huggingFaceArchitectures: [String] = []
  var tensors: [String: TensorView] = [:]
  /// Tensor names in the order the files list them (first occurrence).
  var tensorOrder: [String] = []

  /// Opens `path` as `spindle inspect` does (`Checkpoint.open`); a safetensors file or
  /// sharded set takes its hyperparameters from the `config.json` beside it.
  init(path: String) throws(ModelError) {
    let checkpoint: Checkpoint
    do { checkpoint = try Checkpoint.open(path) } catch { throw ModelError(error) }
    self.path = path
    switch checkpoint.source {
    case .gguf(let shards):
      guard let first = shards.first else {
        throw ModelError(.format, path: path, "a GGUF set without shards")
      }
      format = .gguf
      // A decompressed file lives unlinked in scratch space: name what the user named.
      metadataPath = checkpoint.compressedByteCount == nil ? first.path : path
      for entry in first.metadata { gguf[entry.key] = entry.value }
      for shard in shards {
        try add(shard.tensors, file: shard.file, path: metadataPath)
      }
    case .huggingFace(let folder):
      format = .huggingFace
      metadataPath = folder.config.path
      try readConfig(folder.config)
      switch folder.weights {
      case .single(let file): try add(file.tensors, file: file.file, path: file.path)
      case .sharded(let set): try add(set)
      case .unindexed(let files):
        for file in files { try add(file.tensors, file: file.file, path: file.path) }
      case nil:
        throw ModelError(.format, path: path, "the folder has no safetensors weights")
      }
    case .safetensors(let file):
      format = .huggingFace
      metadataPath = try Self.configBeside(path)
      try readConfig(try Self.config(metadataPath))
      try add(file.tensors, file: file.file, path: path)
    case .sharded(let set):
      format = .huggingFace
      metadataPath = try Self.configBeside(path)
      try readConfig(try Self.config(metadataPath))
      try add(set)
    }
  }

  private mutating func readConfig(_ config: HFConfig) throws(ModelError) {
    self.config = config.json
    do { huggingFaceArchitectures = try config.architectures ?? [] } catch {
      throw ModelError(error)
    }
  }

  private mutating func add(_ set: ShardedSafetensors) throws(ModelError) {
    for shard in set.shards {
      let held = set.tensors.filter { $0.path == shard.path }
      try add(held, file: shard.file, path: shard.path)
    }
  }

  private mutating func add(_ entries: [TensorEntry], file: MappedFile, path: String)
    throws(ModelError)
  {
    for entry in entries where tensors[entry.name] == nil {
      tensorOrder.append(entry.name)
      do {
        tensors[entry.name] = try TensorView(
          name: entry.name, dtype: entry.dtype, shape: entry.shape, file: file,
          byteRange: entry.byteRange)
      } catch {
        throw ModelError(error, path: path)
      }
    }
  }

  private static func config(_ path: String) throws(ModelError) -> HFConfig {
    do { return try HFConfig(path: path) } catch { throw ModelError(error) }
  }

  /// The `config.json` in the folder of a safetensors file or index (`.zst` or not).
  private static func configBeside(_ path: String) throws(ModelError) -> String {
    let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    var folder = trimmed
    let status = (try? Syscalls.pathStatus(trimmed)) ?? nil
    let isFolder = status.map { ($0.st_mode & S_IFMT) == S_IFDIR } ?? false
    if !isFolder {
      if let slash = trimmed.lastIndex(of: "/") {
        folder = slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
      } else {
        folder = "."
      }
    }
    let config = folder == "/" ? "/config.json" : "\(folder)/config.json"
    guard ((try? Syscalls.pathStatus(config)) ?? nil) != nil else {
      throw ModelError(
        .format, path: path,
        "no config.json beside it (\(config)): safetensors alone carry no hyperparameters (name"
          + " the model folder, or put its config.json next to the weights)")
    }
    return config
  }
}
