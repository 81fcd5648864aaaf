public import Formats

/// Where and how a `config.json` keeps its scaling, so a rewrite writes it back the same way.
public struct HuggingFaceScalingForm: Hashable, Sendable {
  /// The top-level key: `rope_scaling` (transformers v4) or `rope_parameters` (v5).
  public var key: String
  /// The per-layer-type entry holding the full-attention scaling (`full_attention`), if the
  /// dict is keyed by layer type.
  public var layerType: String?
  /// The spelling of the type key: `rope_type` (v4.43+) or `type` (older configs).
  public var typeKey: String

  /// The key path of the scaling dict, for messages: `rope_parameters.full_attention`.
  public var dictPath: String { layerType.map { "\(key).\($0)" } ?? key }

  /// The form of a config: `rope_parameters` when that is set (non-null), else `rope_scaling`;
  /// a dict whose members are all objects is keyed by layer type.
  public init(config: JSONObject) {
    let parameters = config["rope_parameters"]
    key = parameters != nil && parameters != .null ? "rope_parameters" : "rope_scaling"
    typeKey = "rope_type"
    guard let dict = config[key]?.object else { return }
    if Self.isPerLayerType(dict) {
      layerType = "full_attention"
      if let inner = dict["full_attention"]?.object, inner["type"] != nil,
        inner["rope_type"] == nil
      {
        typeKey = "type"
      }
    } else if dict["type"] != nil && dict["rope_type"] == nil {
      typeKey = "type"
    }
  }

  /// transformers' rule, without access to `layer_types`: every member is an object.
  static func isPerLayerType(_ dict: JSONObject) -> Bool {
    dict.count > 0 && dict.allSatisfy { $0.value.object != nil }
  }
}
