public import Tensors

/// Any checkpoint Spindle can open, seen the same way: where it came from, its metadata and
/// its tensor table. Only headers are read, so building one costs O(header).
public struct Checkpoint: Sendable {
  /// What was opened.
  public enum Layout: String, Sendable {
    case safetensors = "safetensors"
    case shardedSafetensors = "safetensors (sharded)"
    case gguf = "GGUF"
    case ggufSplit = "GGUF (split)"
    case huggingFace = "Hugging Face folder"
  }

  /// One metadata entry, typed as its format types it.
  public struct MetadataItem: Sendable {
    /// Where the entry comes from (`__metadata__`, `gguf`, `index`, `config.json`, …).
    public var source: String
    public var key: String
    /// The stored type: a GGUF value type (`UINT32`, `[STRING]`), or `string` / JSON types.
    public var type: String
    /// A one-line rendering, long arrays abbreviated.
    public var summary: String
    private let makeValue: @Sendable () -> JSONValue

    /// The full value as JSON, built on demand (a 150k-entry vocabulary is only converted
    /// when someone asks for it).
    public var value: JSONValue { makeValue() }

    public init(
      source: String, key: String, type: String, summary: String,
      value: @escaping @Sendable () -> JSONValue
    ) {
      self.source = source
      self.key = key
      self.type = type
      self.summary = summary
      self.makeValue = value
    }
  }

  /// One file of the checkpoint.
  public struct FilePart: Sendable, Equatable {
    public var path: String
    public var byteCount: Int
    /// Bytes before the tensor data (length prefix, header, padding).
    public var headerByteCount: Int
  }

  /// The opened files behind this view.
  public enum Source: Sendable {
    case safetensors(SafetensorsFile)
    case sharded(ShardedSafetensors)
    case huggingFace(HFModelDirectory)
    case gguf([GGUFFile])
  }

  public var path: String
  public var layout: Layout
  public var source: Source
  /// GGUF version; nil for safetensors.
  public var version: Int?
  public var endianness: Endianness
  /// Data alignment (GGUF) or nil.
  public var alignment: Int?
  public var files: [FilePart]
  public var metadata: [MetadataItem]
  public var tensors: [TensorEntry]
  /// Problems that do not stop reading but that a strict loader rejects (for `validate`).
  public var problems: [FormatError]
  /// Oddities the reference loaders accept (for `validate`, which reports them without
  /// failing): GGUF strings that are not UTF-8, a GGUF data section cut inside its padding.
  public var warnings: [FormatError] = []
  /// Size of the zstd file this was decompressed from, if it was.
  public var compressedByteCount: Int?

  public init(
    path: String, layout: Layout, source: Source, version: Int?, endianness: Endianness,
    alignment: Int?,
    files: [FilePart], metadata: [MetadataItem], tensors: [TensorEntry], problems: [FormatError]
  ) {
    self.path = path
    self.layout = layout
    self.source = source
    self.version = version
    self.endianness = endianness
    self.alignment = alignment
    self.files = files
    self.metadata = metadata
    self.tensors = tensors
    self.problems = problems
  }

  /// Total elements over all tensors.
  public var parameterCount: Int { tensors.reduce(0) { $0 + $1.elementCount } }
  /// Total tensor data bytes.
  public var dataByteCount: Int { tensors.reduce(0) { $0 + $1.byteCount } }
  /// Total bytes on disk.
  public var fileByteCount: Int { files.reduce(0) { $0 + $1.byteCount } }
}
