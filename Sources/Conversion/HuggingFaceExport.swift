public import Formats
public import Inference
public import Models
public import Tensors

/// What `spindle convert MODEL.gguf --to hf` writes, before anything is written: every
/// transformers tensor (name, type, shape, the GGUF tensor and rows it comes from), the
/// safetensors shards, `config.json` and the tokenizer files.
///
/// Made by ``init(gguf:options:)`` as a walk over the file's `Architecture` description, the
/// reverse of ``ConversionPlan``: GGUF names to transformers names, GGUF row arrangements
/// (llama.cpp's Q/K permutation, GPT-NeoX's `[Q; K; V]`) back to transformers' ones, every type
/// the inference core decodes dequantized. Written by ``write(to:progress:)``.
public struct HuggingFaceExport: Sendable {
  /// The element types `convert --to hf --dtype` accepts.
  public enum TargetType: String, Sendable, CaseIterable {
    case f32, f16, bf16

    /// The element type written.
    public var dtype: DType {
      switch self {
      case .f32: .f32
      case .f16: .f16
      case .bf16: .bf16
      }
    }

    /// transformers' `torch_dtype` name.
    public var torchName: String {
      switch self {
      case .f32: "float32"
      case .f16: "float16"
      case .bf16: "bfloat16"
      }
    }
  }

  /// What the export is asked to do.
  public struct Options: Sendable {
    public var type: TargetType
    /// The largest shard, in bytes of tensor data (transformers' `max_shard_size`); a tensor
    /// larger than this gets a shard of its own.
    public var shardSize: Int
    /// Drop GGUF tensors the description does not know instead of failing.
    public var skipUnknown: Bool

    public init(type: TargetType = .f32, shardSize: Int = 5_000_000_000, skipUnknown: Bool = false)
    {
      self.type = type
      self.shardSize = shardSize
      self.skipUnknown = skipUnknown
    }
  }

  /// One output tensor.
  public struct Tensor: Sendable {
    /// transformers name.
    public var name: String
    /// The GGUF tensor read.
    public var sourceName: String
    /// Output element type.
    public var dtype: DType
    /// Row-major shape, as transformers stores it.
    public var shape: [Int]
    /// The GGUF tensor's view (its type is the source type).
    public var source: TensorView
    /// For each output row, the GGUF row it comes from (`nil`: the same order).
    public var sourceRows: [Int]?

    /// Bytes in the output.
    public var byteCount: Int { dtype.byteCount(elements: shape.reduce(1, *)) ?? 0 }

    /// The plan line: `model.layers.0.self_attn.q_proj.weight  F32 [64, 64]  ←
    /// blk.0.attn_q.weight (Q4_1, rows reordered)`.
    public var planLine: String {
      let how = sourceRows == nil ? "" : ", rows reordered"
      return "\(name)  \(dtype.name) \(shape)  ← \(sourceName) (\(source.dtype.name)\(how))"
    }
  }

  /// The GGUF converted.
  public let path: String
  /// The architecture description walked.
  public let architecture: Architecture
  public let type: TargetType
  /// The output tensors, in GGUF order.
  public let tensors: [Tensor]
  /// Indices into ``tensors``, one list per safetensors file.
  public let shards: [[Int]]
  /// `config.json`.
  public let config: JSONObject
  /// `generation_config.json`, when the GGUF names special tokens.
  public let generationConfig: JSONObject?
  /// `tokenizer.json` and `tokenizer_config.json`, when the vocabulary's model is one Spindle
  /// rebuilds (byte-level BPE, SentencePiece).
  public let tokenizer: (json: JSONObject, config: JSONObject)?
  /// GGUF tensors not written: llama.cpp's rope tables (transformers computes them from
  /// config.json) and, with `skipUnknown`, tensors the description does not know.
  public let skipped: [String]
  /// Notes for people (a tokenizer not rebuilt, a pre-tokenizer guessed).
  public let warnings: [String]

  /// Bytes of tensor data written (all shards, headers excluded).
  public var tensorByteCount: Int { tensors.reduce(0) { $0 + $1.byteCount } }

  /// The safetensors file names: `model.safetensors`, or `model-00001-of-00003.safetensors`….
  public var shardNames: [String] {
    if shards.count <= 1 { return ["model.safetensors"] }
    func padded(_ n: Int) -> String {
      let text = String(n)
      return String(repeating: "0", count: max(0, 5 - text.count)) + text
    }
    return (1...shards.count).map { "model-\(padded($0))-of-\(padded(shards.count)).safetensors" }
  }

  /// Plans the export of the GGUF at `path` (one file, a split set, or `.zst`).
  ///
  /// - Throws: `model` (the loader's errors), `notAFolder` for a Hugging Face input,
  ///   `unknownTensors`, `missingTensors`, `shape`, `unsupportedType` (a type the decoders do
  ///   not read).
  public init(gguf path: String, options: Options = Options()) throws(ConversionError) {
    let header: ModelHeader
    do { header = try ModelHeader(path: path) } catch { throw ConversionError(error) }
    guard header.format == .gguf else {
      throw ConversionError(
        .notAFolder, path: path,
        "convert --to hf reads a GGUF file; this is a Hugging Face checkpoint")
    }
    let definition = header.definition
    let c = header.configuration
    self.path = path
    architecture = definition
    type = options.type

    let known = definition.storedTensorsByName(.gguf, layerCount: c.layerCount)
    var skipped: [String] = []
    var warnings: [String] = []
    var unknown: [String] = []
    var tensors: [Tensor] = []
    for name in header.tensorOrder {
      guard let view = header.tensors[name] else { continue }
      guard let (stored, layer) = known[name] else {
        unknown.append(name)
        continue
      }
      guard let huggingFaceName = stored.name(.huggingFace, layer: layer, in: definition) else {
        skipped.append(name)
        continue
      }
      tensors.append(
        try Self.tensor(huggingFaceName, stored, view, header, type: options.type.dtype))
    }
    if let warning = try ConversionError.unknownTensors(
      unknown, skipUnknown: options.skipUnknown, architecture: definition, path: path)
    {
      skipped += unknown
      warnings.append(warning)
    }
    try Self.checkPresence(header, found: Set(tensors.map(\.sourceName)), path: path)
    self.tensors = tensors
    shards = Self.shards(tensors, limit: options.shardSize)
    let metadata = header.ggufMetadata
    config = try Self.config(
      header, type: options.type,
      tied: definition.outputTensorName.map { header.tensors[$0] == nil } ?? true)
    generationConfig = Self.generationConfig(metadata)
    tokenizer = Self.tokenizer(
      metadata, contextLength: header.ropeSettings.contextLength, warnings: &warnings)
    self.skipped = skipped
    self.warnings = warnings
  }

  /// One output tensor for the GGUF tensor `view`, stored as `stored`.
  private static func tensor(
    _ name: String, _ stored: StoredTensor, _ view: TensorView, _ header: ModelHeader, type: DType
  ) throws(ConversionError) -> Tensor {
    let c = header.configuration
    let shapes = stored.roles.map { $0.shape(c, rotaryDimension: header.rotaryDimension) }
    var expected = shapes[0]
    expected[0] = shapes.reduce(0) { $0 + $1[0] }
    guard view.shape == expected else {
      let parts = stored.roles.map(\.rawValue).joined(separator: " + ")
      throw ConversionError(
        .shape, path: header.metadataPath, name: view.name,
        "tensor \"\(view.name)\" (\(parts)) should be \(expected), found \(view.shape)")
    }
    guard TensorView.decodableTypes.contains(view.dtype) else {
      throw ConversionError(
        .unsupportedType, path: header.metadataPath, name: view.name,
        "tensor \"\(view.name)\" is \(view.dtype.name); convert --to hf reads "
          + TensorView.decodableTypes.map(\.name).sorted().joined(separator: ", "))
    }
    let heads = stored.roles.map { role in
      role == .key || role == .keyBias ? c.keyValueHeadCount : c.headCount
    }
    let rows = shapes.map { $0[0] }
    let sourceRows = RowArrangement.sourceRows(
      output: RowArrangement(
        arrangement: stored.huggingFaceArrangement, roleRows: rows, roleHeads: heads),
      input: RowArrangement(arrangement: stored.ggufArrangement, roleRows: rows, roleHeads: heads))
    return Tensor(
      name: name, sourceName: view.name, dtype: type, shape: view.shape, source: view,
      sourceRows: sourceRows)
  }

  /// Fails naming every required role no GGUF tensor holds.
  private static func checkPresence(_ header: ModelHeader, found: Set<String>, path: String)
    throws(ConversionError)
  {
    let definition = header.definition
    var missing: [String] = []
    for role in definition.requiredRoles.sorted(by: { $0.rawValue < $1.rawValue }) {
      for layer in role.isPerLayer ? 0..<max(0, header.configuration.layerCount) : 0..<1 {
        let holders = definition.tensors.filter { $0.roles.contains(role) }
        let present = holders.contains { stored in
          stored.name(.gguf, layer: layer, in: definition).map(found.contains) ?? false
        }
        if !present, let first = holders.first?.name(.gguf, layer: layer, in: definition) {
          missing.append(first)
        }
      }
    }
    guard missing.isEmpty else {
      throw ConversionError(
        .missingTensors, path: path, name: missing.first,
        "\(missing.count) tensor\(missing.count == 1 ? "" : "s") the \(definition.ggufName)"
          + " description requires \(missing.count == 1 ? "is" : "are") absent: "
          + missing.joined(separator: ", "))
    }
  }

  /// Tensors in order, a new shard whenever the next would take the current one over `limit`.
  static func shards(_ tensors: [Tensor], limit: Int) -> [[Int]] {
    var shards: [[Int]] = []
    var current: [Int] = []
    var size = 0
    for (index, tensor) in tensors.enumerated() {
      if !current.isEmpty && size + tensor.byteCount > limit {
        shards.append(current)
        current = []
        size = 0
      }
      current.append(index)
      size += tensor.byteCount
    }
    if !current.isEmpty || shards.isEmpty { shards.append(current) }
    return shards
  }
}
