import Formats
import Models
import RoPE
import Tensors

/// The version Spindle reports and records in the files it writes.
public enum SpindleVersion {
  public static let current = "0.1.0"
}

extension StampPlan {
  /// The name of the GGUF table: llama.cpp's `LLM_TENSOR_ROPE_FREQS`, one F32 frequency factor
  /// per rotary pair, shared by every layer.
  public static let ggufTableName = "rope_freqs.weight"
  /// The name of the transformers table: the `inv_freq` buffer of `LlamaRotaryEmbedding`.
  ///
  /// transformers (4.x and 5.x) drops any checkpoint key matching `rotary_emb.inv_freq` without
  /// a warning (old checkpoints saved the buffer) and recomputes it from config.json; vLLM
  /// skips the name too. So the table costs HF loaders nothing, and a runtime that wants the
  /// frequencies precomputed finds them under the name it would use.
  public static let huggingFaceTableName = "model.rotary_emb.inv_freq"

  /// The table and attention factor for `settings`, with the record describing them.
  ///
  /// - Throws: ``PatchError/Kind/unsupported`` for scalings a static table cannot hold
  ///   (dynamic NTK, dynamic YaRN, LongRoPE) or a model whose head size is unknown.
  static func bakedTable(
    _ settings: RoPESettings, form: BakedRoPE.Form, tableName: String,
    attention: BakedRoPE.AttentionPlacement, endianness: Endianness, path: String
  ) throws(PatchError) -> (record: BakedRoPE, bytes: [UInt8]) {
    if case .longRoPE = settings.scaling {
      throw PatchError(
        .unsupported, path: path, key: "--tables",
        "LongRoPE needs two tables (short and long factors); Spindle bakes one")
    }
    if settings.scaling.dependsOnSequenceLength {
      throw PatchError(
        .unsupported, path: path, key: "--tables",
        "\(settings.scaling.ropeType) recomputes its frequencies from the sequence length; a"
          + " baked table is static. Stamp keys only (omit --tables)")
    }
    guard let configuration = settings.rotaryConfiguration,
      let contextLength = settings.contextLength
    else {
      throw PatchError(
        .missingKey, path: path, key: "head_dim",
        "the model does not say its head size and context, so the table cannot be computed")
    }
    let frequencies: RoPEFrequencies
    do { frequencies = try settings.scaling.frequencies(for: configuration) } catch {
      throw PatchError(error, path: path, prefix: "")
    }
    let values =
      form == .frequencyFactors ? frequencies.frequencyFactors : frequencies.inverseFrequencies
    let bytes = GGUFLongRoPETables.float32Bytes(values, endianness: endianness)
    let record = BakedRoPE(
      spindleVersion: SpindleVersion.current, tableName: tableName, form: form,
      pairCount: values.count, tableChecksum: CRC32.checksum(bytes),
      attentionFactor: Double(frequencies.attentionFactor), attention: attention,
      base: configuration.base, rotaryDimension: configuration.rotaryDimension,
      contextLength: contextLength, scaling: settings.huggingFaceScaling() ?? JSONObject())
    return (record, bytes)
  }

  /// The factor to fold into Q/K weights going from `previous` tables to `next` ones: what the
  /// weights must carry now over what they already carry.
  static func weightFactor(from previous: BakedRoPE?, to next: BakedRoPE?) -> Double {
    func carried(_ record: BakedRoPE?) -> Double {
      guard let record, record.attention == .weights else { return 1 }
      return record.attentionFactor
    }
    return carried(next) / carried(previous)
  }

  /// The record stored in GGUF metadata, if any.
  static func bakedRecord(gguf file: GGUFFile) throws(PatchError) -> BakedRoPE? {
    guard let value = file.metadata(BakedRoPE.metadataKey) else { return nil }
    guard case .string(let text) = value else {
      throw PatchError(
        .wrongType, path: file.path, key: BakedRoPE.metadataKey,
        "'\(BakedRoPE.metadataKey)' must be a STRING, found \(value.typeName)")
    }
    return try BakedRoPE(json: text, path: file.path)
  }

  /// The record stored in safetensors `__metadata__`, if any.
  static func bakedRecord(safetensors file: SafetensorsFile) throws(PatchError) -> BakedRoPE? {
    guard let text = file.metadataValue(for: BakedRoPE.metadataKey) else { return nil }
    return try BakedRoPE(json: text, path: file.path)
  }

  /// `settings` with the scaling and lengths a baked record declares.
  static func applying(_ record: BakedRoPE, to settings: RoPESettings, path: String)
    throws(PatchError) -> RoPESettings
  {
    let recorded = try record.settings(path: path)
    var result = settings
    result.scaling = recorded.scaling
    result.originalContextLength = recorded.originalContextLength
    return result
  }

  /// Tensor changes that scale the query/key tensors by `factor` (none when it is 1).
  static func foldingChanges(
    _ factor: Double, tensors: [TensorEntry], path: String
  ) throws(PatchError) -> [TensorChange] {
    guard factor != 1 else { return [] }
    let targets = Set(try AttentionFolding.targets(in: tensors.map(\.name), path: path))
    var changes: [TensorChange] = []
    for entry in tensors where targets.contains(entry.name) {
      guard AttentionFolding.canScale(entry.dtype) else {
        throw PatchError(
          .unsupported, path: path, key: entry.name,
          "'\(entry.name)' is \(entry.dtype.name): its values are not linear in a stored scale,"
            + " so the attention factor cannot be folded into it; omit --bake-attention")
      }
      changes.append(
        TensorChange(
          name: entry.name, action: .scale(factor), dtype: entry.dtype, shape: entry.shape))
    }
    return changes
  }
}
