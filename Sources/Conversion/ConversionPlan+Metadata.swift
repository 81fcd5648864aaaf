import Formats
import Inference
import Models
import Patching
import RoPE
import Tensors
import Tokenization

#if canImport(Glibc)
import Glibc
#endif

extension ConversionPlan {
  /// The key holding Spindle's provenance record: one compact JSON string (Spindle version,
  /// source folder and architecture, output type, tensors copied, converted and rearranged).
  public static let provenanceKey = "spindle.convert"

  /// The GGUF metadata: `general.*` as convert_hf_to_gguf.py writes it, every `{arch}.*` key of
  /// the description's hyperparameter map, the rope keys of the declared scaling (`stamp`'s
  /// mapping), the provenance record, then the tokenizer keys.
  static func metadata(
    _ header: ModelHeader, plan: ConversionPlan, tokenizer: TokenizerMetadata?
  ) throws(ConversionError) -> [(key: String, value: GGUFValue)] {
    var entries = OrderedEntries()
    let arch = plan.architecture.ggufName
    entries.set("general.architecture", .string(arch))
    entries.set("general.type", .string("model"))
    entries.set("general.name", .string(modelName(folder: plan.folder)))
    entries.set("general.size_label", .string(sizeLabel(parameters: plan.parameterCount)))
    for key in plan.architecture.hyperparameters {
      guard let gguf = key.gguf, let value = try hyperparameter(key, header) else { continue }
      entries.set(arch + "." + gguf.suffix, value)
      // One head size for keys and values in Spindle's block; llama.cpp defaults
      // value_length to n_embd / n_head whatever key_length says, so both are written.
      if key.parameter == .headDimension {
        entries.set(arch + ".attention.value_length", value)
      }
    }
    let settings = header.ropeSettings
    if let base = settings.base { entries.set(arch + ".rope.freq_base", .float32(Float(base))) }
    let mapping = settings.ggufMapping(architecture: arch)
    for edit in mapping.edits {
      if case .set(let key, let value) = edit { entries.set(key, value) }
    }
    entries.set("general.file_type", .uint32(plan.fileType))
    entries.set("general.quantization_version", .uint32(2))
    entries.set(provenanceKey, .string(provenance(header, plan: plan)))
    for (key, value) in tokenizer?.entries ?? [] { entries.set(key, value) }
    return entries.items
  }

  /// The tokenizer keys of `folder` as llama.cpp's converter writes them (`preTokenizer`
  /// overriding the hash look-up), or `nil` when the folder has no tokenizer files at all.
  static func tokenizerMetadata(
    folder: String, architecture: String, preTokenizer: String?
  ) throws(ConversionError) -> TokenizerMetadata? {
    let files = ["tokenizer.json", "tokenizer.model"].map { folder + "/" + $0 }
    guard files.contains(where: { access($0, F_OK) == 0 }) else { return nil }
    do {
      return try TokenizerMetadata(
        huggingFace: folder, architecture: architecture, preTokenizer: preTokenizer)
    } catch { throw ConversionError(error) }
  }

  /// A hyperparameter in the type llama.cpp reads: the loader's resolved value for the
  /// geometry (derived ones included), the stored value (or the map's default) otherwise.
  static func hyperparameter(_ key: HyperparameterKey, _ header: ModelHeader)
    throws(ConversionError) -> GGUFValue?
  {
    let c = header.configuration
    var value: HyperparameterKey.Value?
    switch key.parameter {
    case .layerCount: value = .integer(c.layerCount)
    case .embeddingLength: value = .integer(c.embeddingLength)
    case .feedForwardLength: value = .integer(c.feedForwardLength)
    case .headCount: value = .integer(c.headCount)
    case .keyValueHeadCount: value = .integer(c.keyValueHeadCount)
    case .headDimension: value = .integer(c.headDimension)
    case .vocabularySize: value = .integer(c.vocabularySize)
    case .rotaryDimension: value = .integer(header.rotaryDimension)
    default:
      do { value = try header.storedValue(key.parameter) } catch { throw ConversionError(error) }
    }
    guard let value, let type = key.gguf?.type else { return nil }
    switch (type, value) {
    case (.uint32, .integer(let number)): return .uint32(UInt32(clamping: number))
    case (.float32, .number(let number)): return .float32(Float(number))
    case (.float32, .integer(let number)): return .float32(Float(number))
    case (.bool, .bool(let flag)): return .bool(flag)
    case (.string, .string(let text)): return .string(text)
    default: return nil
    }
  }

  /// The rope tables llama.cpp's graph reads for the declared scaling, F32, named by the
  /// description: `rope_freqs` for llama3 (θ_i / inv_freq_i, as the converter rounds them),
  /// `rope_factors_long` and
  /// `rope_factors_short` for LongRoPE.
  static func generatedTables(_ header: ModelHeader, warnings: inout [String])
    throws(ConversionError) -> [Tensor]
  {
    let definition = header.definition
    let settings = header.ropeSettings
    func name(_ role: TensorRole) -> String? {
      definition.tensors.first { $0.roles == [role] }?.gguf
    }
    func table(_ name: String, _ what: String, _ values: [Float]) -> Tensor {
      Tensor(
        name: name, dtype: .f32, shape: [values.count],
        source: .generated(what: what, values: values), rowOrder: .same, sourceRows: nil)
    }
    var tables: [Tensor] = []
    let mapping = settings.ggufMapping(architecture: definition.ggufName)
    if case .llama3(let factor, let low, let high) = settings.scaling {
      guard definition.ropeTables.contains(.frequencies), let tableName = name(.ropeFrequencies)
      else {
        warnings.append(
          "llama3 scaling needs rope_freqs.weight, which llama.cpp's \(definition.ggufName) graph"
            + " does not read; the model runs unscaled there")
        return []
      }
      let values = Llama3FrequencyFactors.converterForm(
        base: settings.base ?? 10_000, dimension: header.configuration.headDimension,
        factor: factor, lowFrequencyFactor: low, highFrequencyFactor: high,
        originalContextLength: settings.originalContextLength ?? 8192)
      tables.append(table(tableName, "llama3 frequency factors", values))
    } else {
      warnings += mapping.unexpressed
    }
    warnings += mapping.warnings
    if let pair = mapping.longRoPETables, let long = pair.long?.values,
      let short = pair.short?.values, let longName = name(.ropeFactorsLong),
      let shortName = name(.ropeFactorsShort)
    {
      tables.append(table(longName, "LongRoPE long_factor", long))
      tables.append(table(shortName, "LongRoPE short_factor", short))
    }
    return tables
  }

  /// gguf-py's `Metadata.id_to_title` of the folder's name (`phi3-longrope` → `Phi3
  /// Longrope`): words split at `-` and spaces, all-lowercase words title-cased unless they
  /// look like versions or numbers.
  static func modelName(folder: String) -> String {
    var trimmed = folder.count > 1 && folder.hasSuffix("/") ? String(folder.dropLast()) : folder
    if let last = trimmed.split(separator: "/").last, last == "." || last == ".." {
      if let resolved = realpath(trimmed, nil) {
        trimmed = String(cString: resolved)
        free(resolved)
      }
    }
    let base = trimmed.split(separator: "/").last.map(String.init) ?? trimmed
    let words = base.replacingOccurrences("-", " ").split(separator: " ").map(String.init)
    return words.map { word in
      let hasLower = word.contains { $0.isLowercase }
      let isLower = hasLower && !word.contains { $0.isUppercase }
      guard isLower, !looksLikeVersion(word) else { return word }
      var result = ""
      var previousIsLetter = false
      for character in word {
        result += previousIsLetter ? character.lowercased() : character.uppercased()
        previousIsLetter = character.isLetter
      }
      return result
    }.joined(separator: " ")
  }

  /// `v1`, `v1.2` or a word starting with a digit (gguf-py's `^(v\d+(?:\.\d+)*|\d.*)$`).
  private static func looksLikeVersion(_ word: String) -> Bool {
    if let first = word.first, first.isNumber { return true }
    guard word.first == "v", word.count > 1 else { return false }
    let rest = word.dropFirst()
    let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
    return parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
  }

  /// gguf-py's `size_label` for a dense model: parameters in K, M, B or T with at least two
  /// significant digits (`47K`, `135M`, `1.7B`).
  static func sizeLabel(parameters: Int) -> String {
    let count = Double(parameters)
    let (scaled, suffix): (Double, String) =
      count > 1e12
      ? (count * 1e-12, "T")
      : count > 1e9 ? (count * 1e-9, "B") : count > 1e6 ? (count * 1e-6, "M") : (count * 1e-3, "K")
    let rounded = String(Int(scaled.rounded(.toNearestOrEven)))
    let digits = rounded.drop { $0 == "0" }.count
    return NumberText.fixed(scaled, decimals: max(2 - digits, 0)) + suffix
  }

  /// Spindle's provenance record, compact JSON.
  static func provenance(_ header: ModelHeader, plan: ConversionPlan) -> String {
    var object = JSONObject()
    object["spindle_version"] = .string(SpindleVersion.current)
    object["command"] = .string("convert")
    object["source_format"] = .string("huggingface")
    object["source_architecture"] = .string(
      header.config["architectures"]?.array?.first?.string ?? plan.architecture.ggufName)
    object["output_type"] = .string(plan.type.rawValue)
    object["tensors"] = .integer(plan.tensors.count)
    object["tensors_copied"] = .integer(plan.tensors.filter(\.isCopy).count)
    object["tensors_rearranged"] = .integer(plan.tensors.filter { $0.sourceRows != nil }.count)
    object["tensors_generated"] = .integer(
      plan.tensors.filter { $0.sourceNames.isEmpty }.count)
    object["skipped"] = .array(plan.skipped.map { .string($0) })
    return JSONValue.object(object).serialized()
  }
}

/// Metadata keys in insertion order; setting a key again replaces its value in place.
struct OrderedEntries {
  private(set) var items: [(key: String, value: GGUFValue)] = []

  mutating func set(_ key: String, _ value: GGUFValue) {
    if let index = items.firstIndex(where: { $0.key == key }) {
      items[index].value = value
    } else {
      items.append((key, value))
    }
  }
}

extension String {
  fileprivate func replacingOccurrences(_ target: Character, _ replacement: Character) -> String {
    String(map { $0 == target ? replacement : $0 })
  }
}
