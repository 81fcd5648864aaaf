import Formats

/// Reads hyperparameters strictly through an architecture's map: a present key must have the
/// stored type the map names (llama.cpp's `get_key` for GGUF, the JSON type for config.json),
/// an absent one is an error, derived, or the map's default; never a silent fallback.
struct HyperparameterReader {
  let architecture: Architecture
  let format: ModelFormat
  /// The file error messages name: the GGUF (first shard) or config.json.
  let path: String
  let gguf: [String: GGUFValue]
  let config: JSONObject

  typealias Value = HyperparameterKey.Value

  /// The value of `parameter`: stored, or the default; `nil` when derived from others (or when
  /// the format does not map it).
  func value(_ parameter: Hyperparameter) throws(ModelError) -> Value? {
    guard let entry = architecture.key(parameter) else { return nil }
    switch format {
    case .gguf:
      guard let key = entry.gguf else { return nil }
      let name = architecture.ggufName + "." + key.suffix
      guard let stored = gguf[name] else { return try absent(key.absent, name) }
      guard stored.type == key.type else {
        throw ModelError(
          .wrongType, path: path, name: name,
          "'\(name)' must be \(key.type.name) (as llama.cpp reads it), found \(stored.typeName)"
            + " \(stored.summary())")
      }
      switch stored {
      case .uint32(let number): return .integer(Int(number))
      case .float32(let number): return .number(Double(number))
      case .bool(let flag): return .bool(flag)
      case .string(let text): return .string(text)
      default:
        throw ModelError(
          .wrongType, path: path, name: name, "'\(name)' has an unsupported type \(stored.typeName)"
        )
      }
    case .huggingFace:
      guard let key = entry.huggingFace else { return nil }
      guard let (name, stored) = present(key.names) else {
        return try absent(key.absent, key.names.first ?? parameter.rawValue)
      }
      switch (key.type, stored) {
      case (.integer, .number(let number)) where number.int != nil: return .integer(number.int!)
      case (.number, .number(let number)): return .number(number.double)
      case (.bool, .bool(let flag)): return .bool(flag)
      case (.string, .string(let text)): return .string(text)
      default:
        throw ModelError(
          .wrongType, path: path, name: name,
          "\"\(name)\" must be \(key.type == .integer ? "an integer" : "a \(key.type.rawValue)"),"
            + " found \(Self.shown(stored))")
      }
    }
  }

  /// An integer hyperparameter (stored, default or `nil` when derived).
  ///
  /// - Throws: `invalidValue` when a stored size is over its ``Hyperparameter/limit`` (or as
  ///   far below zero), before anything is sized or multiplied by it.
  func integer(_ parameter: Hyperparameter) throws(ModelError) -> Int? {
    guard case .integer(let number)? = try value(parameter) else { return nil }
    if let limit = parameter.limit, number > limit || number < -limit {
      let name = keyName(parameter)
      let quoted = format == .gguf ? "'\(name)'" : "\"\(name)\""
      throw ModelError(
        .invalidValue, path: path, name: name,
        number > limit
          ? "\(quoted) is \(number), over Spindle's limit of \(limit)"
          : "\(quoted) must be a positive integer, found \(number)")
    }
    return number
  }

  /// A required integer: absent only when the map derives it, which callers do not ask here.
  func requiredInteger(_ parameter: Hyperparameter) throws(ModelError) -> Int {
    guard let number = try integer(parameter) else {
      throw ModelError(
        .missingKey, path: path, name: parameter.rawValue,
        "\(architecture.ggufName) has no \(format.rawValue) key for \(parameter.rawValue)")
    }
    return number
  }

  func number(_ parameter: Hyperparameter) throws(ModelError) -> Double? {
    guard case .number(let number)? = try value(parameter) else { return nil }
    return number
  }

  func bool(_ parameter: Hyperparameter) throws(ModelError) -> Bool? {
    guard case .bool(let flag)? = try value(parameter) else { return nil }
    return flag
  }

  func string(_ parameter: Hyperparameter) throws(ModelError) -> String? {
    guard case .string(let text)? = try value(parameter) else { return nil }
    return text
  }

  /// The name of the key that holds `parameter` in this format, for messages.
  func keyName(_ parameter: Hyperparameter) -> String {
    let entry = architecture.key(parameter)
    switch format {
    case .gguf:
      return entry?.gguf.map { architecture.ggufName + "." + $0.suffix } ?? parameter.rawValue
    case .huggingFace: return entry?.huggingFace?.names.first ?? parameter.rawValue
    }
  }

  private func present(_ names: [String]) -> (String, JSONValue)? {
    for name in names {
      if let value = config[name], value != .null { return (name, value) }
    }
    return nil
  }

  private func absent(_ rule: HyperparameterKey.Absent, _ name: String) throws(ModelError)
    -> Value?
  {
    switch rule {
    case .required:
      let quoted = format == .gguf ? "'\(name)'" : "\"\(name)\""
      throw ModelError(.missingKey, path: path, name: name, "\(quoted) is required")
    case .derived: return nil
    case .value(let value): return value
    }
  }

  static func shown(_ value: JSONValue) -> String {
    switch value {
    case .number(let number): "number \(number.text)"
    case .string(let text): "string \"\(text.prefix(40))\""
    case .bool(let flag): "boolean \(flag)"
    default: value.typeName
    }
  }
}
