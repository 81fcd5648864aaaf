import Tensors

/// A Hugging Face `config.json` (or any JSON-object config file), with typed accessors.
///
/// Accessors return `nil` when the key is absent or `null` and throw `invalidConfig` (naming
/// the key, expected vs found) when it has the wrong type. Newer transformers releases moved
/// `rope_theta` into `rope_parameters` and renamed `torch_dtype` to `dtype`; both spellings
/// are read.
public struct HFConfig: Sendable {
  /// The file read.
  public let path: String
  /// The whole document, key order preserved.
  public let json: JSONObject

  /// Parses `path`, which must hold a JSON object.
  ///
  /// - Throws: `notFound`, `invalidJSON`, `duplicateKey`, or `invalidConfig` when the document
  ///   is not an object.
  public init(path: String) throws(FormatError) {
    let file: MappedFile
    do { file = try MappedFile(path: path) } catch { throw FormatError(error) }
    let root = try file.withUnsafeBytes { bytes throws(FormatError) in
      try JSONValue.parse(bytes, path: path)
    }
    try self.init(root, path: path)
  }

  /// Wraps an already parsed document.
  public init(_ root: JSONValue, path: String) throws(FormatError) {
    guard case .object(let object) = root else {
      throw FormatError(
        .invalidConfig, path: path, "config is a JSON \(root.typeName), expected an object")
    }
    self.path = path
    self.json = object
  }

  /// The value of `key`; `nil` when absent.
  public subscript(key: String) -> JSONValue? { json[key] }

  /// `architectures` (`["LlamaForCausalLM"]`).
  public var architectures: [String]? {
    get throws(FormatError) {
      guard let value = present("architectures") else { return nil }
      guard case .array(let elements) = value else {
        throw wrongType("architectures", expected: "array of strings", found: value)
      }
      var names: [String] = []
      for element in elements {
        guard case .string(let name) = element else {
          throw wrongType("architectures", expected: "array of strings", found: element)
        }
        names.append(name)
      }
      return names
    }
  }

  /// `model_type` (`"llama"`).
  public var modelType: String? { get throws(FormatError) { try string("model_type") } }
  /// `hidden_size`.
  public var hiddenSize: Int? { get throws(FormatError) { try integer("hidden_size") } }
  /// `num_attention_heads`.
  public var numAttentionHeads: Int? {
    get throws(FormatError) { try integer("num_attention_heads") }
  }
  /// `num_key_value_heads` (absent in configs without grouped-query attention).
  public var numKeyValueHeads: Int? {
    get throws(FormatError) { try integer("num_key_value_heads") }
  }
  /// `num_hidden_layers`.
  public var numHiddenLayers: Int? { get throws(FormatError) { try integer("num_hidden_layers") } }
  /// `max_position_embeddings`.
  public var maxPositionEmbeddings: Int? {
    get throws(FormatError) { try integer("max_position_embeddings") }
  }
  /// `head_dim`.
  public var headDim: Int? { get throws(FormatError) { try integer("head_dim") } }

  /// `rope_theta`, or `rope_parameters.rope_theta` when only that is given.
  public var ropeTheta: Double? {
    get throws(FormatError) {
      if let value = present("rope_theta") { return try double(value, key: "rope_theta") }
      guard let parameters = present("rope_parameters") else { return nil }
      guard case .object(let object) = parameters else {
        throw wrongType("rope_parameters", expected: "object", found: parameters)
      }
      guard let value = object["rope_theta"], value != .null else { return nil }
      return try double(value, key: "rope_parameters.rope_theta")
    }
  }

  /// `torch_dtype`, or `dtype` as newer transformers write it (`"bfloat16"`).
  public var torchDType: String? {
    get throws(FormatError) {
      if present("torch_dtype") != nil { return try string("torch_dtype") }
      return try string("dtype")
    }
  }

  private func present(_ key: String) -> JSONValue? {
    guard let value = json[key], value != .null else { return nil }
    return value
  }

  private func string(_ key: String) throws(FormatError) -> String? {
    guard let value = present(key) else { return nil }
    guard case .string(let text) = value else {
      throw wrongType(key, expected: "string", found: value)
    }
    return text
  }

  private func integer(_ key: String) throws(FormatError) -> Int? {
    guard let value = present(key) else { return nil }
    guard case .number(let number) = value, let integer = number.int else {
      throw wrongType(key, expected: "integer", found: value)
    }
    return integer
  }

  private func double(_ value: JSONValue, key: String) throws(FormatError) -> Double {
    guard case .number(let number) = value else {
      throw wrongType(key, expected: "number", found: value)
    }
    return number.double
  }

  private func wrongType(_ key: String, expected: String, found: JSONValue) -> FormatError {
    let shown =
      switch found {
      case .number(let number): "number \(number.text)"
      case .string(let text): "string \"\(text.prefix(40))\""
      default: found.typeName
      }
    return FormatError(
      .invalidConfig, path: path, name: key, "\"\(key)\" should be \(expected), found \(shown)")
  }
}
