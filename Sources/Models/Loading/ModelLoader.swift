import Formats
import Inference
import RoPE

/// One load of an opened checkpoint through a description: hyperparameters, tensors by role,
/// rotary settings.
struct ModelLoader {
  let opened: OpenedModel
  let definition: Architecture
  let reader: HyperparameterReader
  /// Views found so far, by role and layer (0 for model tensors).
  var found: [TensorRole: [Int: TensorView]] = [:]

  init(opened: OpenedModel, definition: Architecture) {
    self.opened = opened
    self.definition = definition
    reader = HyperparameterReader(
      architecture: definition, format: opened.format, path: opened.metadataPath,
      gguf: opened.gguf, config: opened.config)
  }

  var path: String { opened.metadataPath }
  var format: ModelFormat { opened.format }

  mutating func load() throws(ModelError) -> ModelCheckpoint {
    let settings = try ropeSettings()
    let (configuration, rotaryFraction) = try configuration(settings: settings)
    guard rotaryFraction > 0, rotaryFraction <= 1 else {
      let name = reader.keyName(.rotaryDimension)
      throw ModelError(
        .invalidValue, path: path, name: name,
        "the rotated part of each head (\(name)) must be in (0, 1] of the head"
          + " (\(configuration.headDimension)), found \(rotaryFraction)")
    }
    let rotaryDimension = Int(Double(configuration.headDimension) * rotaryFraction)
    try pickTensors(configuration, rotaryDimension: rotaryDimension)
    let weights = try weights(configuration)

    let context = try reader.requiredInteger(.contextLength)
    let geometry = RotaryConfiguration(
      base: settings.base ?? 10_000, headDimension: configuration.headDimension,
      partialRotaryFactor: rotaryFraction, maxPositionEmbeddings: context,
      originalContextLength: settings.originalContextLength)
    var attentionFactor: Float = 1
    if format == .gguf {
      let key = definition.ggufName + ".rope.scaling.attn_factor"
      if let value = opened.gguf[key] {
        guard case .float32(let number) = value else {
          throw ModelError(
            .wrongType, path: path, name: key,
            "'\(key)' must be FLOAT32 (as llama.cpp reads it), found \(value.typeName)")
        }
        attentionFactor = number
      }
    }
    var tables: (short: [Float], long: [Float])?
    if let short = found[.ropeFactorsShort]?[0], let long = found[.ropeFactorsLong]?[0] {
      tables = (try floats(short), try floats(long))
    } else if let one = found[.ropeFactorsShort]?[0] ?? found[.ropeFactorsLong]?[0] {
      throw ModelError(
        .missingTensor, path: path, name: one.name,
        "\"\(one.name)\" needs its partner: LongRoPE tables come as a long and a short pair")
    }
    return ModelCheckpoint(
      path: opened.path, definition: definition, format: format, configuration: configuration,
      weights: weights, ropeSettings: settings, rotaryConfiguration: geometry,
      frequencyFactors: try found[.ropeFrequencies]?[0].map { v throws(ModelError) in
        try floats(v)
      }, longRoPETables: tables, ropeAttentionFactor: attentionFactor)
  }

  /// The rotary settings the checkpoint declares (GGUF keys or config.json).
  func ropeSettings() throws(ModelError) -> RoPESettings {
    do {
      switch format {
      case .gguf: return try RoPESettings(ggufMetadata: opened.gguf, path: path)
      case .huggingFace: return try RoPESettings(huggingFace: opened.config, path: path)
      }
    } catch {
      throw ModelError(error)
    }
  }

  // MARK: Hyperparameters

  /// The configuration and the rotary fraction of the head.
  func configuration(settings: RoPESettings) throws(ModelError) -> (LlamaConfiguration, Double) {
    let heads = try reader.requiredInteger(.headCount)
    let embedding = try reader.requiredInteger(.embeddingLength)
    guard heads > 0 else {
      throw ModelError(
        .invalidValue, path: path, name: reader.keyName(.headCount),
        "\(reader.keyName(.headCount)) must be a positive integer, found \(heads)")
    }
    let headDimension = try reader.integer(.headDimension) ?? embedding / heads
    var recipe = definition.recipe
    if let parallel = try reader.bool(.parallelResidual) {
      recipe.residual = parallel ? .parallel : .sequential
    }
    if let activation = try reader.string(.activation) {
      switch activation {
      case "gelu": recipe.feedForward = .gelu(.erf)
      case "gelu_new", "gelu_pytorch_tanh": recipe.feedForward = .gelu(.tanh)
      default:
        throw ModelError(
          .invalidValue, path: path, name: reader.keyName(.activation),
          "\"\(reader.keyName(.activation))\" \"\(activation)\" is not a GELU form Spindle runs"
            + " (\"gelu\", \"gelu_new\", \"gelu_pytorch_tanh\")")
      }
    }
    let vocabulary =
      try reader.integer(.vocabularySize)
      ?? opened.tensors[tokenEmbeddingName]?.shape.first ?? 0
    let configuration = LlamaConfiguration(
      layerCount: try reader.requiredInteger(.layerCount), embeddingLength: embedding,
      feedForwardLength: try reader.requiredInteger(.feedForwardLength), headCount: heads,
      keyValueHeadCount: try reader.integer(.keyValueHeadCount), headDimension: headDimension,
      vocabularySize: vocabulary,
      rmsNormEpsilon: Float(try reader.number(.normEpsilon) ?? 1e-5), recipe: recipe)
    return (configuration, try rotaryFraction(headDimension: headDimension, settings: settings))
  }

  /// The rotated fraction of each head: GGUF `rope.dimension_count / head`, transformers'
  /// top-level key, else `partial_rotary_factor` inside `rope_parameters`, else the default.
  func rotaryFraction(headDimension: Int, settings: RoPESettings) throws(ModelError) -> Double {
    switch format {
    case .gguf:
      guard let dimension = try reader.integer(.rotaryDimension), headDimension > 0 else {
        return 1
      }
      return Double(dimension) / Double(headDimension)
    case .huggingFace:
      guard let key = definition.key(.rotaryDimension)?.huggingFace else { return 1 }
      if key.names.contains(where: { opened.config[$0] != nil && opened.config[$0] != .null }) {
        return try reader.number(.rotaryDimension) ?? 1
      }
      if let inner = settings.partialRotaryFactor { return inner }
      if case .value(.number(let fallback)) = key.absent { return fallback }
      return 1
    }
  }

  var tokenEmbeddingName: String {
    definition.tensors.first { $0.roles == [.tokenEmbedding] }?.name(format, in: definition) ?? ""
  }

  func floats(_ view: TensorView) throws(ModelError) -> [Float] {
    guard view.dtype == .f32 else {
      throw ModelError(
        .shape, path: path, name: view.name,
        "tensor \"\(view.name)\" should be F32, found \(view.dtype)")
    }
    return view.withUnsafeBytes { raw in
      (0..<view.elementCount).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
    }
  }
}
