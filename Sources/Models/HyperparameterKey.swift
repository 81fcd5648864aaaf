public import Formats

/// Where one hyperparameter lives in each format, with its stored type and what an absent
/// key means.
public struct HyperparameterKey: Hashable, Sendable {
  /// A value as stored.
  public enum Value: Hashable, Sendable {
    case integer(Int)
    case number(Double)
    case bool(Bool)
    case string(String)
  }

  /// What an absent key means.
  public enum Absent: Hashable, Sendable {
    /// Loading fails, naming the key (llama.cpp's `get_key` with `required = true`).
    case required
    /// The value follows from others: head size `embedding / heads`, KV heads = heads, rotary
    /// dimension = head size, vocabulary = rows of the token embedding.
    case derived
    /// The default (transformers' config class default, or llama.cpp's).
    case value(Value)
  }

  /// The JSON type a config value must have.
  public enum JSONKind: String, Hashable, Sendable {
    case integer, number, bool, string
  }

  /// How a transformers value relates to the hyperparameter.
  public enum Meaning: Hashable, Sendable {
    /// The value itself.
    case value
    /// A fraction of the head size (`partial_rotary_factor`, `rotary_pct`): `⌊f × head⌋`.
    case fractionOfHeadDimension
  }

  /// A GGUF key below `{arch}.`, with the type llama.cpp's loader insists on.
  public struct GGUFKey: Hashable, Sendable {
    public var suffix: String
    public var type: GGUFValueType
    public var absent: Absent

    public init(_ suffix: String, _ type: GGUFValueType, _ absent: Absent = .required) {
      self.suffix = suffix
      self.type = type
      self.absent = absent
    }
  }

  /// `config.json` keys, the first present one wins.
  public struct HuggingFaceKey: Hashable, Sendable {
    public var names: [String]
    public var type: JSONKind
    public var absent: Absent
    public var meaning: Meaning

    public init(
      _ names: [String], _ type: JSONKind, _ absent: Absent = .required, meaning: Meaning = .value
    ) {
      self.names = names
      self.type = type
      self.absent = absent
      self.meaning = meaning
    }
  }

  public var parameter: Hyperparameter
  public var gguf: GGUFKey?
  public var huggingFace: HuggingFaceKey?

  public init(_ parameter: Hyperparameter, gguf: GGUFKey?, huggingFace: HuggingFaceKey?) {
    self.parameter = parameter
    self.gguf = gguf
    self.huggingFace = huggingFace
  }
}
