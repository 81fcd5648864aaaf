public import Formats

/// What a Hugging Face config says about rotary scaling, as found: both dicts, the lengths and
/// the geometry, before any runtime's defaults.
///
/// Runtimes disagree on which of these they read, so nothing here is resolved: each
/// runtime (Deployment's `Runtime`) takes what its rules say.
public struct ScalingDeclaration: Sendable {
  /// The config file, for messages.
  public var path: String
  public var modelType: String?
  /// transformers 4's `rope_scaling`, when it is an object.
  public var ropeScaling: JSONObject?
  /// transformers 5's `rope_parameters`, when it is an object (the `full_attention` entry of
  /// a per-layer-type dict).
  public var ropeParameters: JSONObject?
  public var maxPositionEmbeddings: Int?
  /// The top-level `original_max_position_embeddings` (Phi-3's place for it).
  public var topLevelOriginalContext: Int?
  /// The top-level `rope_theta`.
  public var topLevelBase: Double?
  /// `head_dim`, else `hidden_size / num_attention_heads`.
  public var headDimension: Int?
  public var partialRotaryFactor: Double

  /// Reads the declaration of `config`; wrong JSON types read as absent (the strict reader
  /// that runs beside it names them).
  public init(config: JSONObject, path: String) {
    self.path = path
    modelType = config["model_type"]?.string
    ropeScaling = config["rope_scaling"]?.object
    var parameters = config["rope_parameters"]?.object
    if let dict = parameters, dict.count > 0, dict.allSatisfy({ $0.value.object != nil }) {
      parameters = dict["full_attention"]?.object
    }
    ropeParameters = parameters
    maxPositionEmbeddings = config["max_position_embeddings"]?.number?.int
    topLevelOriginalContext = config["original_max_position_embeddings"]?.number?.int
    topLevelBase = config["rope_theta"]?.number?.double
    if let head = config["head_dim"]?.number?.int {
      headDimension = head
    } else if let hidden = config["hidden_size"]?.number?.int,
      let heads = config["num_attention_heads"]?.number?.int, heads > 0
    {
      headDimension = hidden / heads
    }
    partialRotaryFactor = config["partial_rotary_factor"]?.number?.double ?? 1
  }
}
