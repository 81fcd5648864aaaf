import Formats
import Inference
import Models

extension HuggingFaceExport {
  /// `config.json`: the description's transformers keys filled from the GGUF hyperparameters
  /// (the reverse of the loader's map), the RoPE settings in transformers 5's
  /// `rope_parameters` form, special token ids and `torch_dtype`.
  ///
  /// Float32 GGUF values are written as the shortest decimal that reads back as the same
  /// float (`1e-05`, not `9.999999747378752e-06`), as transformers' configs state them.
  static func config(_ header: ModelHeader, type: TargetType, tied: Bool)
    throws(ConversionError) -> JSONObject
  {
    let definition = header.definition
    let c = header.configuration
    var config = JSONObject()
    config["architectures"] = .array(
      definition.huggingFaceArchitectures.prefix(1).map(JSONValue.string))
    config["model_type"] = definition.huggingFaceModelTypes.first.map(JSONValue.string) ?? .null
    for key in definition.hyperparameters {
      guard let names = key.huggingFace?.names, let value = try value(key, header, tied: tied)
      else { continue }
      for name in names { config[name] = value }
    }
    let metadata = header.ggufMetadata
    for (key, name) in [("bos", "bos_token_id"), ("eos", "eos_token_id")] {
      if let id = metadata["tokenizer.ggml.\(key)_token_id"]?.integer {
        config[name] = .integer(id)
      }
    }
    // The RoPE settings through Models' writer, in the v5 form (`rope_parameters` keeps
    // `rope_theta` and `partial_rotary_factor`); a LongRoPE original length stays top-level,
    // where transformers reads it for Phi-3.
    let settings = try ropeSettings(header)
    var seed = JSONObject()
    var parameters = JSONObject()
    parameters["rope_theta"] = .double(shortest(Float(settings.base ?? 10_000)))
    if header.rotaryDimension != c.headDimension, c.headDimension > 0 {
      parameters["partial_rotary_factor"] = .double(
        Double(header.rotaryDimension) / Double(c.headDimension))
    }
    seed["rope_parameters"] = .object(parameters)
    if case .longRoPE = settings.scaling, let original = settings.originalContextLength {
      seed["original_max_position_embeddings"] = .integer(original)
    }
    for member in seed where member.key != "rope_parameters" { config[member.key] = member.value }
    for member in settings.huggingFaceMembers(for: seed) { config[member.key] = member.value }
    config["torch_dtype"] = .string(type.torchName)
    return config
  }

  /// The RoPE settings with LongRoPE's tables read from the GGUF's `rope_factors_*` tensors
  /// (the loader's settings leave them out).
  static func ropeSettings(_ header: ModelHeader) throws(ConversionError) -> RoPESettings {
    func table(_ name: String) throws(ConversionError) -> GGUFLongRoPETables.Table? {
      guard let view = header.tensors[name] else { return nil }
      do {
        return .init(
          dtype: view.dtype, shape: view.shape, values: view.dtype == .f32 ? try view.floats() : nil
        )
      } catch {
        throw ConversionError(ModelError(error, path: header.metadataPath))
      }
    }
    let tables = GGUFLongRoPETables(
      short: try table(GGUFLongRoPETables.shortName), long: try table(GGUFLongRoPETables.longName))
    guard !tables.isEmpty else { return header.ropeSettings }
    do {
      return try RoPESettings(
        ggufMetadata: header.ggufMetadata, tables: tables, path: header.metadataPath)
    } catch {
      throw ConversionError(ModelError(error))
    }
  }

  /// The transformers value of one map entry, `nil` when config.json should not state it.
  private static func value(_ key: HyperparameterKey, _ header: ModelHeader, tied: Bool)
    throws(ConversionError) -> JSONValue?
  {
    let c = header.configuration
    switch key.parameter {
    case .layerCount: return .integer(c.layerCount)
    case .embeddingLength: return .integer(c.embeddingLength)
    case .feedForwardLength: return .integer(c.feedForwardLength)
    case .headCount: return .integer(c.headCount)
    case .keyValueHeadCount: return .integer(c.keyValueHeadCount)
    case .headDimension: return .integer(c.headDimension)
    case .vocabularySize: return .integer(c.vocabularySize)
    case .normEpsilon: return .double(shortest(c.rmsNormEpsilon))
    case .contextLength:
      return header.ropeSettings.contextLength.map(JSONValue.integer)
    case .rotaryDimension:
      // Written in rope_parameters (and as every name the map lists when it is partial).
      guard header.rotaryDimension != c.headDimension, c.headDimension > 0 else { return nil }
      return .double(Double(header.rotaryDimension) / Double(c.headDimension))
    case .tiedEmbeddings: return .bool(tied)
    case .parallelResidual, .activation:
      let stored: HyperparameterKey.Value?
      do { stored = try header.storedValue(key.parameter) } catch { throw ConversionError(error) }
      let fallback: HyperparameterKey.Value?
      if case .value(let value)? = key.huggingFace?.absent {
        fallback = value
      } else {
        fallback = nil
      }
      switch stored ?? fallback {
      case .integer(let number)?: return .integer(number)
      case .number(let number)?: return .double(number)
      case .bool(let flag)?: return .bool(flag)
      case .string(let text)?: return .string(text)
      case nil: return nil
      }
    }
  }

  /// The shortest decimal that reads back as `value`, as a Double (`1e-05`).
  static func shortest(_ value: Float) -> Double {
    Double("\(value)") ?? Double(value)
  }

  /// `generation_config.json` with the special token ids, when the GGUF names any.
  static func generationConfig(_ metadata: [String: GGUFValue]) -> JSONObject? {
    var config = JSONObject()
    for (key, name) in [
      ("bos", "bos_token_id"), ("eos", "eos_token_id"), ("padding", "pad_token_id"),
    ] {
      if let id = metadata["tokenizer.ggml.\(key)_token_id"]?.integer {
        config[name] = .integer(id)
      }
    }
    return config.count == 0 ? nil : config
  }
}
