public import Formats
public import Models

/// Everything `stamp` will change, decided before anything is written: the settings before
/// and after, each changed key, the warnings, and the new header or config text.
///
/// Build one with ``init(path:request:)``; print ``diff`` for `--dry-run`; write it with
/// ``execute(_:)``. Planning reads headers only and never modifies the input.
public struct StampPlan: Sendable {
  /// What is being stamped.
  public enum Target: Sendable {
    /// A Hugging Face folder; its `config.json` is rewritten.
    case huggingFace(folder: String, configText: ConfigTextPatch)
    /// A safetensors file; its `__metadata__` is rewritten.
    case safetensors(SafetensorsFile, metadata: [(key: String, value: String)])
    /// A GGUF file; its metadata is rewritten.
    case gguf(GGUFFile, metadata: [(key: String, value: GGUFValue)])
  }

  /// Where the output goes.
  public enum Output: Sendable, Equatable {
    /// A new file (safetensors, GGUF) or a new folder (Hugging Face).
    case path(String)
    /// Replace the input: GGUF and safetensors headers in place when they fit (undo journal,
    /// `spindle restore`), else a temporary file in the same folder renamed over it, mode kept.
    case inPlace
  }

  /// One changed key with its value before and after, as text (`nil`: absent).
  public struct KeyChange: Equatable, Sendable {
    public var key: String
    public var before: String?
    public var after: String?
  }

  /// The input path as given.
  public let path: String
  public let target: Target
  /// The settings read from the input.
  public let before: RoPESettings
  /// The settings the output will declare.
  public let after: RoPESettings
  /// Changed keys, in the order they are written.
  public let changes: [KeyChange]
  /// Everything a person should know before trusting the output (stderr in the CLI).
  public let warnings: [String]
  /// Tensors added, replaced, removed or rescaled (`--tables`, `--bake-attention`), for the
  /// GGUF or safetensors file; a Hugging Face folder lists them per file in ``shardChanges``.
  public internal(set) var tensorChanges: [TensorChange] = []
  /// The provenance record of the tables the output carries (`nil`: no tables).
  public internal(set) var baked: BakedRoPE?
  /// A Hugging Face folder's safetensors files that change: new `__metadata__` and tensors.
  public internal(set) var shardChanges: [ShardChange] = []
  /// A sharded folder's new `model.safetensors.index.json`, when its `weight_map` changes.
  public internal(set) var indexReplacement: [UInt8]?

  /// One safetensors file of a Hugging Face folder, as the plan rewrites it.
  public struct ShardChange: Sendable {
    public var file: SafetensorsFile
    /// The new `__metadata__`.
    public var metadata: [(key: String, value: String)]?
    public var tensorChanges: [TensorChange]
  }

  /// Whether the input already declares exactly this scaling.
  public var isEmpty: Bool {
    changes.isEmpty && tensorChanges.isEmpty && shardChanges.allSatisfy(\.tensorChanges.isEmpty)
  }

  /// Every tensor change, across files.
  public var allTensorChanges: [TensorChange] {
    tensorChanges + shardChanges.flatMap(\.tensorChanges)
  }
}
