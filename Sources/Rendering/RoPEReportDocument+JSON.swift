public import Formats

extension RoPEReportDocument {
  /// The whole document as one JSON object: source, settings, magnitudes, class counts,
  /// warnings and a `pairs` array (numbers exact; Float values from ggml as their shortest
  /// Float text).
  public var json: JSONValue {
    var root = JSONObject()
    root["path"] = .string(source.path)
    root["settings_path"] = .string(source.settingsPath)
    root["format"] = .string(source.format.rawValue)
    root["name"] = .string(source.name)
    root["what_if"] = .bool(isPreview)
    root["summary"] = .string(settings.summary)
    root["rope_type"] = .string(settings.scaling.ropeType)
    root["base"] = .double(configuration.base)
    root["head_dim"] = .integer(configuration.headDimension)
    root["rotary_dim"] = .integer(configuration.rotaryDimension)
    root["partial_rotary_factor"] = .double(configuration.partialRotaryFactor)
    root["original_context"] = .integer(configuration.originalContextLength)
    root["context"] = .integer(configuration.maxPositionEmbeddings)
    root["sequence_length"] = sequenceLength.map { .integer($0) } ?? .null
    root["factor"] = .double(report.factor)
    root["attention_factor"] = .double(report.attentionFactor)
    root["llama_cpp_attention_factor"] = .double(llamaCppAttentionFactor)
    root["correction_range"] =
      report.correctionRange.map { range in
        .object(JSONObject([("low", .double(range.low)), ("high", .double(range.high))]))
      } ?? .null
    root["llama_cpp_correction_range"] =
      llamaCppCorrectionRange.map { range in
        .object(JSONObject([("low", Self.float(range.low)), ("high", Self.float(range.high))]))
      } ?? .null
    root["classes"] = .object(
      JSONObject(classCounts.map { ($0.dimensionClass.rawValue, .integer($0.count)) }))
    root["tables"] = tables.map { .string($0) } ?? .null
    root["warnings"] = .array(warnings.map { .string($0) })
    root["pairs"] = .array(
      report.dimensions.map { pair in
        .object(
          JSONObject([
            ("i", .integer(pair.pairIndex)),
            ("wavelength", .double(pair.wavelength)),
            ("context_ratio", .double(pair.contextRatio)),
            ("ramp", .double(pair.ramp)),
            ("class", .string(pair.dimensionClass.rawValue)),
            ("original_inv_freq", .double(pair.originalInverseFrequency)),
            ("inv_freq", .double(pair.inverseFrequency)),
            ("frequency_factor", .double(Self.frequencyFactor(pair))),
          ]))
      })
    return .object(root)
  }

  /// A Float as the decimal its shortest text spells, e.g. `2.0`, not `2.0000000000`.
  private static func float(_ value: Float) -> JSONValue {
    .double(Double("\(value)") ?? Double(value))
  }
}
