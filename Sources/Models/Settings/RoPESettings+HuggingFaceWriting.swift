public import Formats
import RoPE

extension RoPESettings {
  /// The scaling as a transformers dict, keys in the order transformers documents them.
  ///
  /// Factors and betas are written as floats (`4.0`: transformers v4 warns about integer
  /// factors), lengths as integers. Defaults are left out (betas 32/1, truncate true). `.none`
  /// gives `nil` (JSON `null`). `typeKey` is `rope_type`, or `type` to keep an old config's
  /// spelling.
  public func huggingFaceScaling(typeKey: String = "rope_type") -> JSONObject? {
    var dict = JSONObject()
    func float(_ key: String, _ value: Double) { dict[key] = .double(value) }
    func original() {
      if let originalContextLength {
        dict["original_max_position_embeddings"] = .integer(originalContextLength)
      }
    }
    switch scaling {
    case .none:
      return nil
    case .linear(let factor), .dynamicNTK(let factor), .ntkAware(let factor):
      dict[typeKey] = .string(scaling.ropeType)
      float("factor", factor)
    case .yarn(let factor, let parameters):
      dict[typeKey] = .string("yarn")
      float("factor", factor)
      original()
      Self.appendYaRN(parameters, to: &dict)
    case .dynamicYaRN(let parameters):
      dict[typeKey] = .string("dynamic-yarn")
      float("factor", factor ?? 1)
      original()
      Self.appendYaRN(parameters, to: &dict)
    case .llama3(let factor, let low, let high):
      dict[typeKey] = .string("llama3")
      float("factor", factor)
      float("low_freq_factor", low)
      float("high_freq_factor", high)
      original()
    case .longRoPE(let short, let long, let factor, let attentionFactor):
      dict[typeKey] = .string("longrope")
      if let factor { float("factor", factor) }
      original()
      if let attentionFactor { float("attention_factor", attentionFactor) }
      dict["short_factor"] = .array(short.map { .double($0) })
      dict["long_factor"] = .array(long.map { .double($0) })
    }
    return dict
  }

  private static func appendYaRN(_ parameters: YaRNParameters, to dict: inout JSONObject) {
    if parameters.betaFast != 32 { dict["beta_fast"] = .double(parameters.betaFast) }
    if parameters.betaSlow != 1 { dict["beta_slow"] = .double(parameters.betaSlow) }
    if let value = parameters.attentionFactor { dict["attention_factor"] = .double(value) }
    if let value = parameters.mscale { dict["mscale"] = .double(value) }
    if let value = parameters.mscaleAllDim { dict["mscale_all_dim"] = .double(value) }
    if !parameters.truncate { dict["truncate"] = .bool(false) }
    if parameters.extrapolationFactor != 1 {
      dict["extrapolation_factor"] = .double(parameters.extrapolationFactor)
    }
  }

  /// The top-level members of `config` to set so that it declares these settings, in the
  /// config's own form (see ``HuggingFaceScalingForm``).
  ///
  /// - `rope_scaling` (or, in a v5 config, `rope_parameters`) becomes the new dict; a v5 dict
  ///   keeps its `rope_theta` and `partial_rotary_factor`, a per-layer-type dict changes only
  ///   its `full_attention` entry.
  /// - `max_position_embeddings` becomes ``contextLength``.
  /// - A top-level `original_max_position_embeddings` (Phi-3 style), when present, becomes
  ///   ``originalContextLength``: transformers v5 prefers it to the dict's. A LongRoPE dict then
  ///   leaves the key out unless it already had it, as Phi-3's configs do (transformers reads
  ///   the top-level key for LongRoPE in v4 and v5 alike).
  public func huggingFaceMembers(for config: JSONObject) -> [(key: String, value: JSONValue)] {
    let form = HuggingFaceScalingForm(config: config)
    var members: [(key: String, value: JSONValue)] = []
    if let contextLength {
      members.append(("max_position_embeddings", .integer(contextLength)))
    }
    if config["original_max_position_embeddings"] != nil, let originalContextLength {
      members.append(("original_max_position_embeddings", .integer(originalContextLength)))
    }
    var scalingDict = huggingFaceScaling(typeKey: form.typeKey)
    let old = config[form.key]?.object
    // Phi-3 configs state the original length at the top level only, which transformers reads
    // for LongRoPE in both eras; the dict then keeps leaving it out.
    let oldDict = form.layerType.flatMap { old?[$0]?.object } ?? old
    if case .longRoPE = scaling, config["original_max_position_embeddings"] != nil,
      oldDict?["original_max_position_embeddings"] == nil
    {
      scalingDict?["original_max_position_embeddings"] = nil
    }
    var value: JSONValue
    if form.key == "rope_parameters" {
      var dict = scalingDict ?? JSONObject([(key: "rope_type", value: .string("default"))])
      let previous = oldDict
      for key in ["rope_theta", "partial_rotary_factor"] {
        if let kept = previous?[key] { dict[key] = kept }
      }
      value = .object(dict)
    } else {
      value = scalingDict.map(JSONValue.object) ?? .null
    }
    if let layerType = form.layerType, var outer = old {
      outer[layerType] = value
      value = .object(outer)
    }
    members.append((form.key, value))
    return members
  }
}
