import Formats
import Inference
import Models
import Patching
import RoPE
import Tensors

extension LlamaCheckpoint {
  /// Architectures whose GGUF blocks this forward pass runs, and their rotary pairing
  /// (llama.cpp's `LLAMA_ROPE_TYPE_NORM` vs `_NEOX`).
  static let ggufArchitectures: [String: RotaryEmbedding.Layout] = [
    "llama": .interleaved, "mistral": .interleaved, "qwen2": .halves, "qwen3": .halves,
  ]

  /// Opens a GGUF file as llama.cpp's loader reads it: `{arch}.block_count`,
  /// `embedding_length`, `feed_forward_length`, `attention.head_count(_kv)`,
  /// `attention.key_length`, `attention.layer_norm_rms_epsilon`, the rope keys, and the
  /// `rope_freqs.weight` tensor when present.
  ///
  /// - Throws: `format` for an unreadable file, `unsupportedArchitecture`, `missingKey`,
  ///   `settings` for the rope keys, `model` for a tensor of the wrong shape or type.
  public init(gguf path: String) throws(VerificationError) {
    let file: GGUFFile
    do { file = try GGUFFile(path: path) } catch { throw VerificationError(error) }
    var metadata: [String: GGUFValue] = [:]
    for entry in file.metadata { metadata[entry.key] = entry.value }
    let architecture = file.architecture ?? ""
    guard let layout = Self.ggufArchitectures[architecture] else {
      throw VerificationError(
        .unsupportedArchitecture, path: path, name: "general.architecture",
        "architecture \"\(architecture)\" has no forward pass here; supported:"
          + " \(Self.ggufArchitectures.keys.sorted().joined(separator: ", "))")
    }
    let p = architecture + "."
    func integer(_ key: String, required: Bool = true) throws(VerificationError) -> Int? {
      guard let value = metadata[p + key] else {
        if required {
          throw VerificationError(
            .missingKey, path: path, name: p + key, "'\(p + key)' is required")
        }
        return nil
      }
      guard let number = value.integer else {
        throw VerificationError(
          .missingKey, path: path, name: p + key,
          "'\(p + key)' must be an integer, found \(value.typeName)")
      }
      return number
    }
    func float(_ key: String) throws(VerificationError) -> Float? {
      guard let value = metadata[p + key] else { return nil }
      guard case .float32(let number) = value else {
        throw VerificationError(
          .missingKey, path: path, name: p + key,
          "'\(p + key)' must be FLOAT32, found \(value.typeName)")
      }
      return number
    }

    var views: [String: TensorView] = [:]
    for entry in file.tensors {
      do {
        views[entry.name] = try TensorView(
          name: entry.name, dtype: entry.dtype, shape: entry.shape, file: file.file,
          byteRange: entry.byteRange)
      } catch {
        throw VerificationError(error, path: path)
      }
    }
    let layerCount = try integer("block_count") ?? 0
    let embedding = try integer("embedding_length") ?? 0
    let heads = try integer("attention.head_count") ?? 0
    let vocabulary = views["token_embd.weight"]?.shape.first ?? 0
    let configuration = LlamaConfiguration(
      layerCount: layerCount, embeddingLength: embedding,
      feedForwardLength: try integer("feed_forward_length") ?? 0, headCount: heads,
      keyValueHeadCount: try integer("attention.head_count_kv", required: false),
      headDimension: try integer("attention.key_length", required: false),
      vocabularySize: vocabulary,
      rmsNormEpsilon: try float("attention.layer_norm_rms_epsilon") ?? 1e-5)
    let weights: LlamaWeights
    do {
      weights = try LlamaWeights(tensors: views, naming: .gguf, layerCount: layerCount)
    } catch {
      throw VerificationError(error, path: path)
    }

    let settings: RoPESettings
    do { settings = try RoPESettings(ggufMetadata: metadata, path: path) } catch {
      throw VerificationError(error)
    }
    let rotaryDimension =
      try integer("rope.dimension_count", required: false) ?? configuration.headDimension
    let geometry = RotaryConfiguration(
      base: settings.base ?? 10_000, headDimension: configuration.headDimension,
      partialRotaryFactor: Double(rotaryDimension) / Double(max(1, configuration.headDimension)),
      maxPositionEmbeddings: settings.contextLength ?? 0,
      originalContextLength: settings.originalContextLength)
    var factors: [Float]?
    if let view = views["rope_freqs.weight"] {
      factors = try Self.floats(view, count: rotaryDimension / 2, path: path)
    }
    self.init(
      path: path, architecture: architecture, configuration: configuration, weights: weights,
      rotaryLayout: layout, ropeSettings: settings, rotaryConfiguration: geometry,
      frequencyFactors: factors, ropeAttentionFactor: try float("rope.scaling.attn_factor") ?? 1)
  }

  /// A small F32 vector tensor (`rope_freqs.weight`) as Floats.
  static func floats(_ view: TensorView, count: Int, path: String) throws(VerificationError)
    -> [Float]
  {
    guard view.dtype == .f32, view.elementCount == count else {
      throw VerificationError(
        .model, path: path, name: view.name,
        "tensor \"\(view.name)\" should be F32 [\(count)], found \(view.dtype) \(view.shape)")
    }
    return view.withUnsafeBytes { raw in
      (0..<count).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
    }
  }
}
