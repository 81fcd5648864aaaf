import RoPE

extension RoPEReportDocument {
  /// The header block as label/value pairs, in reading order; numbers `%.6g`.
  public var summaryFields: [(label: String, value: String)] {
    var fields: [(label: String, value: String)] = []
    let what = isPreview ? " (what-if; the model declares \(source.settings.summary))" : ""
    fields.append(("model", "\(source.name) (\(source.format.rawValue), \(source.path))"))
    fields.append(("type", settings.scaling.ropeType + what))
    fields.append(("base θ", NumberText.compact(configuration.base)))
    fields.append(("head_dim", String(configuration.headDimension)))
    let d = configuration.rotaryDimension
    fields.append(("rotary dims d", "\(d) (\(d / 2) pairs)"))
    fields.append(
      ("partial rotary factor", NumberText.compact(configuration.partialRotaryFactor)))
    fields.append(("original context L", String(configuration.originalContextLength)))
    fields.append(("context", String(configuration.maxPositionEmbeddings)))
    if let sequenceLength { fields.append(("sequence length", String(sequenceLength))) }
    fields.append(("factor s", NumberText.compact(report.factor)))
    fields.append(
      (
        "attention factor",
        "\(NumberText.compact(report.attentionFactor)) (Hugging Face);"
          + " llama.cpp applies \(NumberText.compact(llamaCppAttentionFactor))"
      ))
    if let range = report.correctionRange, let ggml = llamaCppCorrectionRange {
      fields.append(
        (
          "correction range",
          "low \(NumberText.compact(range.low)), high \(NumberText.compact(range.high))"
            + " (llama.cpp: \(NumberText.compact(Double(ggml.low))),"
            + " \(NumberText.compact(Double(ggml.high))))"
        ))
    }
    if let tables { fields.append(("tables", tables)) }
    fields.append(
      (
        "classes",
        classCounts.map { "\($0.count) \($0.dimensionClass.rawValue)" }.joined(separator: ", ")
      ))
    return fields
  }

  /// The column titles of ``tableRows``.
  public static let tableHeader = [
    "i", "wavelength", "L/λ", "ramp", "class", "θ_i", "inv_freq", "θ_i/inv_i",
  ]

  /// One row per pair: index, wavelength in tokens, `L/λ`, ramp, class, original and scaled
  /// inverse frequency, frequency factor; numbers `%.6g`.
  public var tableRows: [[String]] {
    report.dimensions.map { pair in
      [
        String(pair.pairIndex), NumberText.compact(pair.wavelength),
        NumberText.compact(pair.contextRatio), NumberText.compact(pair.ramp),
        pair.dimensionClass.rawValue, NumberText.compact(pair.originalInverseFrequency),
        NumberText.compact(pair.inverseFrequency),
        NumberText.compact(Self.frequencyFactor(pair)),
      ]
    }
  }
}
