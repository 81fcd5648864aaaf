import Formats
import Inference
import Models
import Patching
import RoPE
import Tensors

extension LlamaCheckpoint {
  /// `model_type` values whose blocks this forward pass runs.
  static let huggingFaceModelTypes: Set<String> = ["llama", "mistral", "qwen2", "qwen3"]

  /// Opens a Hugging Face folder: `config.json` (`hidden_size`, `num_hidden_layers`,
  /// `num_attention_heads`, `num_key_value_heads`, `head_dim`, `intermediate_size`,
  /// `rms_norm_eps`, `vocab_size`, `rope_theta`, `rope_scaling`) and its safetensors weights,
  /// rotated in NeoX halves.
  ///
  /// - Throws: `format` for unreadable files, `unsupportedArchitecture`, `missingKey`,
  ///   `settings` for the rope configuration, `model` for a tensor of the wrong shape.
  public init(huggingFace path: String) throws(VerificationError) {
    let folder: HFModelDirectory
    do { folder = try HFModelDirectory(path: path) } catch { throw VerificationError(error) }
    let config = folder.config
    let configPath = config.path
    let modelType = (try? config.modelType) ?? nil ?? ""
    guard Self.huggingFaceModelTypes.contains(modelType) else {
      throw VerificationError(
        .unsupportedArchitecture, path: configPath, name: "model_type",
        "model_type \"\(modelType)\" has no forward pass here; supported:"
          + " \(Self.huggingFaceModelTypes.sorted().joined(separator: ", "))")
    }
    func integer(_ key: String, required: Bool = true) throws(VerificationError) -> Int? {
      guard let value = config[key], value != .null else {
        if required {
          throw VerificationError(
            .missingKey, path: configPath, name: key, "\"\(key)\" is required")
        }
        return nil
      }
      guard let number = value.number?.int else {
        throw VerificationError(
          .missingKey, path: configPath, name: key,
          "\"\(key)\" must be an integer, found \(value.typeName)")
      }
      return number
    }
    let epsilonValue = config["rms_norm_eps"]?.number?.double ?? 1e-6
    let layerCount = try integer("num_hidden_layers") ?? 0
    let configuration = LlamaConfiguration(
      layerCount: layerCount, embeddingLength: try integer("hidden_size") ?? 0,
      feedForwardLength: try integer("intermediate_size") ?? 0,
      headCount: try integer("num_attention_heads") ?? 0,
      keyValueHeadCount: try integer("num_key_value_heads", required: false),
      headDimension: try integer("head_dim", required: false),
      vocabularySize: try integer("vocab_size") ?? 0, rmsNormEpsilon: Float(epsilonValue))

    var views: [String: TensorView] = [:]
    var files: [String: MappedFile] = [:]
    switch folder.weights {
    case .single(let file): files[file.path] = file.file
    case .sharded(let model): for shard in model.shards { files[shard.path] = shard.file }
    case .unindexed(let shards): for shard in shards { files[shard.path] = shard.file }
    case nil:
      throw VerificationError(
        .format, path: path, "the folder has no safetensors weights")
    }
    for entry in folder.tensors {
      guard let file = files[entry.path] else { continue }
      do {
        views[entry.name] = try TensorView(
          name: entry.name, dtype: entry.dtype, shape: entry.shape, file: file,
          byteRange: entry.byteRange)
      } catch {
        throw VerificationError(error, path: entry.path)
      }
    }
    let weights: LlamaWeights
    do {
      weights = try LlamaWeights(tensors: views, naming: .huggingFace, layerCount: layerCount)
    } catch {
      throw VerificationError(error, path: path)
    }

    let settings: RoPESettings
    do { settings = try RoPESettings(huggingFace: config.json, path: configPath) } catch {
      throw VerificationError(error)
    }
    guard let geometry = settings.rotaryConfiguration else {
      throw VerificationError(
        .missingKey, path: configPath, name: "max_position_embeddings",
        "\"max_position_embeddings\" and a head size are required for the rotary tables")
    }
    self.init(
      path: path, architecture: modelType, configuration: configuration, weights: weights,
      rotaryLayout: .halves, ropeSettings: settings, rotaryConfiguration: geometry,
      frequencyFactors: nil, ropeAttentionFactor: 1)
  }
}
