import Formats
public import Models
import Tensors

#if canImport(Glibc)
import Glibc
#endif

/// A model's rotary settings, with the file they came from and a name to show for the model.
///
/// Opens what `spindle rope` accepts: a Hugging Face folder or a bare `config.json` (any
/// `.json` file holding a config object), a safetensors file (its `__metadata__`, as `stamp`
/// writes it), a GGUF file or split shard, or a zstd-compressed one of those. A sharded
/// index or its folder reads the `config.json` next to it when there is one, else the first
/// shard's `__metadata__`.
public struct RoPESource: Sendable {
  /// Where the settings were read.
  public enum Format: String, Sendable {
    /// A Hugging Face folder's `config.json`.
    case huggingFace = "hf"
    /// A config file named directly.
    case config
    /// safetensors `__metadata__`.
    case safetensors
    /// GGUF metadata.
    case gguf
  }

  /// The path as given.
  public var path: String
  /// The file the settings were read from, which error messages name.
  public var settingsPath: String
  public var format: Format
  /// `general.name` of a GGUF file, else the file or folder name.
  public var name: String
  public var settings: RoPESettings
  /// The key that holds the context length, for messages (`max_position_embeddings`,
  /// `llama.context_length`).
  public var contextKey = "max_position_embeddings"
  /// GGUF `rope.scaling.attn_factor`: the multiplier llama.cpp applies on top of its own YaRN
  /// magnitude (1 when absent, for LongRoPE, whose attention factor it is, and for every other
  /// format).
  public var ggmlAttentionMultiplier: Double = 1
  /// The record of tables Spindle baked into the file (GGUF metadata, safetensors
  /// `__metadata__`); ``settings`` then declare the scaling the tables encode.
  public var baked: BakedRoPE?

  /// Reads the settings at `path`.
  ///
  /// - Throws: ``PatchError`` naming the file and key: a file that cannot be opened, a config
  ///   that is not a JSON object, or settings the strict readers reject.
  public init(path: String) throws(PatchError) {
    self.path = path
    let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    let isFolder = Self.isFolder(trimmed)
    var config: (path: String, format: Format, name: String)?
    if isFolder || trimmed.hasSuffix(".index.json") {
      let folder = isFolder ? trimmed : Self.folder(of: trimmed)
      if Self.exists("\(folder)/config.json") {
        config = ("\(folder)/config.json", .huggingFace, Self.lastComponent(folder))
      }
    } else if trimmed.hasSuffix(".json") {
      let folder = Self.folder(of: trimmed)
      config = (
        trimmed, .config,
        folder == "." ? Self.lastComponent(trimmed) : Self.lastComponent(folder)
      )
    }
    if let config {
      let parsed: HFConfig
      do { parsed = try HFConfig(path: config.path) } catch { throw PatchError(error) }
      settingsPath = config.path
      format = config.format
      name = config.name
      settings = try RoPESettings(huggingFace: parsed.json, path: config.path)
      if config.format == .huggingFace,
        let weights = try? StampPlan.folderWeights(
          Self.folder(of: config.path), request: StampRequest(method: .yarn, factor: 1)),
        let found = try StampPlan.previousRecord(in: weights)
      {
        baked = found.record
        settings = try StampPlan.applying(found.record, to: settings, path: found.file.path)
      }
      return
    }
    let checkpoint: Checkpoint
    do { checkpoint = try Checkpoint.open(path) } catch { throw PatchError(error) }
    switch checkpoint.source {
    case .gguf(let shards):
      guard let first = shards.first else {
        throw PatchError(.format, path: path, "a GGUF set without shards")
      }
      settings = try RoPESettings(gguf: first, force: false)
      baked = try StampPlan.bakedRecord(gguf: first)
      if let baked { settings = try StampPlan.applying(baked, to: settings, path: first.path) }
      format = .gguf
      settingsPath = first.path
      if case .string(let text)? = first.metadata("general.name"), !text.isEmpty {
        name = text
      } else {
        name = Self.lastComponent(trimmed)
      }
      if let architecture = try? RoPESettings.ggufArchitecture(first.metadata, path: path) {
        contextKey = architecture + ".context_length"
        // LongRoPE's attention factor is rope.scaling.attn_factor itself, already in settings.
        if baked == nil, settings.longRoPEAttentionFactor == nil,
          case .float32(let multiplier) = first.metadata(
            architecture + ".rope.scaling.attn_factor")
        {
          ggmlAttentionMultiplier = Double("\(multiplier)") ?? Double(multiplier)
        }
      }
    case .safetensors(let file):
      settings = try RoPESettings(safetensorsMetadata: file.metadata, path: path)
      baked = try StampPlan.bakedRecord(safetensors: file)
      if let baked { settings = try StampPlan.applying(baked, to: settings, path: path) }
      format = .safetensors
      contextKey = "__metadata__ " + RoPESettings.safetensorsContextKey
      settingsPath = path
      name = Self.lastComponent(trimmed)
    case .sharded(let set):
      settings = try RoPESettings(safetensorsMetadata: set.shards.first?.metadata, path: path)
      format = .safetensors
      contextKey = "__metadata__ " + RoPESettings.safetensorsContextKey
      settingsPath = set.shards.first?.path ?? path
      name = Self.lastComponent(trimmed)
    case .huggingFace(let directory):
      // Checkpoint.open only returns this for a folder with config.json, handled above.
      settingsPath = directory.config.path
      settings = try RoPESettings(huggingFace: directory.config.json, path: directory.config.path)
      format = .huggingFace
      name = Self.lastComponent(directory.path)
    }
  }

  private static func isFolder(_ path: String) -> Bool {
    guard let status = try? Syscalls.pathStatus(path) else { return false }
    return (status.st_mode & S_IFMT) == S_IFDIR
  }

  private static func exists(_ path: String) -> Bool {
    (try? Syscalls.pathStatus(path)) != nil
  }

  private static func folder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }

  private static func lastComponent(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
  }
}
