import Formats
public import Models
import RoPE
import Tensors

/// The RoPE tables a checkpoint carries, recomputed from their record and checked against the
/// file: what `spindle rope` reports and `spindle validate` fails on.
///
/// Problems found: a record that names a missing tensor; a table of the wrong type or length
/// (computed for another head size); a geometry (θ, rotary dims, context) the model does not
/// have; table bytes that differ from the record's checksum (edited after baking) or from the
/// recomputation (stale); runtime scaling keys on top of a table (scaled twice); an attention
/// factor missing, different, or applied twice (folded into the weights and declared too);
/// LongRoPE factor tensors the GGUF reader rejects (one without the other, wrong type or shape,
/// a non-positive value, an architecture whose llama.cpp graph does not read them).
public struct BakedRoPECheck: Sendable {
  /// The record, when the file has one.
  public var record: BakedRoPE?
  /// The table tensor's name, when there is one (with or without a record).
  public var tableName: String?
  /// Everything wrong, each located by key or tensor name.
  public var problems: [PatchError] = []

  /// One line for people: `rope_freqs.weight: 32 frequency factors of yarn ×4, attention
  /// 1.13863 in metadata; matches the recomputation`.
  public var summary: String? {
    guard let record else {
      return tableName.map { "\($0) (frequency factors not written by Spindle)" }
    }
    let what = record.form == .frequencyFactors ? "frequency factors" : "inverse frequencies"
    let verdict = problems.isEmpty ? "matches the recomputation" : "DOES NOT MATCH (see errors)"
    return "\(record.tableName): \(record.pairCount) \(what), attention factor"
      + " \(NumberText.compact(record.attentionFactor)) in \(record.attention.rawValue), baked by"
      + " Spindle \(record.spindleVersion); \(verdict)"
  }

  /// Checks the GGUF, safetensors file or Hugging Face folder at `path`; a checkpoint without
  /// tables, or a path that is no checkpoint, gives an empty check; a malformed record or
  /// model settings give one problem.
  public init(path: String) {
    do throws(PatchError) {
      try inspect(path: path)
    } catch {
      problems.append(error)
    }
  }

  private mutating func inspect(path: String) throws(PatchError) {
    // What cannot be opened as a checkpoint (a bare config.json) carries no tables; reading
    // errors are `validate`'s to report.
    guard let checkpoint = try? Checkpoint.open(path) else { return }
    switch checkpoint.source {
    case .gguf(let shards):
      guard let file = shards.first else { return }
      try checkGGUF(file)
    case .safetensors(let file):
      record = try StampPlan.bakedRecord(safetensors: file)
      guard let record else { return }
      let settings = try record.settings(path: file.path)
      try checkTable(
        record, in: file.file, entry: file.tensor(named: record.tableName), path: file.path,
        model: settings, endianness: .little)
    case .huggingFace(let directory):
      try checkFolder(directory)
    case .sharded:
      return
    }
  }

  private mutating func checkGGUF(_ file: GGUFFile) throws(PatchError) {
    let path = file.path
    record = try StampPlan.bakedRecord(gguf: file)
    let table = file.tensors.first { $0.name == StampPlan.ggufTableName }
    tableName = table?.name
    if !GGUFLongRoPETables(gguf: file).isEmpty {
      // LongRoPE's tables: read strictly, every problem the reader finds is one here.
      do { _ = try RoPESettings(gguf: file, force: false) } catch { problems.append(error) }
    }
    if record == nil && table == nil { return }
    let architecture = try RoPESettings.ggufArchitecture({ file.metadata($0) }, path: path)
    let p = architecture + "."
    let model = try RoPESettings(gguf: file, force: true)
    guard let record else {
      if table != nil, case .yarn = model.scaling {
        problems.append(
          PatchError(
            .inconsistent, path: path, key: p + "rope.scaling.type",
            "the file has a rope_freqs.weight table and YaRN keys: llama.cpp applies both, so"
              + " the frequencies are scaled twice"))
      }
      return
    }
    tableName = record.tableName
    try checkTable(
      record, in: file.file, entry: file.tensors.first { $0.name == record.tableName },
      path: path, model: model, endianness: file.endianness)
    if case .none = model.scaling {
    } else {
      problems.append(
        PatchError(
          .inconsistent, path: path, key: p + "rope.scaling.type",
          "the file declares \(model.summary) on top of a baked table: llama.cpp would scale"
            + " the frequencies twice; the type must be none"))
    }
    let declared = file.metadata(p + "rope.scaling.attn_factor").flatMap { value -> Float? in
      if case .float32(let number) = value { return number }
      return nil
    }
    let expected = Float(record.attentionFactor)
    switch record.attention {
    case .metadata:
      if (declared ?? 1) != expected {
        problems.append(
          PatchError(
            .inconsistent, path: path, key: p + "rope.scaling.attn_factor",
            "'\(p)rope.scaling.attn_factor' is \(declared.map { "\($0)" } ?? "absent (1)"), the"
              + " baked scaling's attention factor is \(expected)"))
      }
    case .weights:
      if let declared, declared != 1 {
        problems.append(
          PatchError(
            .inconsistent, path: path, key: p + "rope.scaling.attn_factor",
            "the attention factor is applied twice: folded into the Q/K weights"
              + " (\(record.attentionFactor)) and declared as '\(p)rope.scaling.attn_factor' ="
              + " \(declared)"))
      }
    }
  }

  private mutating func checkFolder(_ directory: HFModelDirectory) throws(PatchError) {
    let files: [SafetensorsFile]
    switch directory.weights {
    case .single(let file): files = [file]
    case .unindexed(let list): files = list
    case .sharded(let set): files = set.shards
    case nil: return
    }
    for file in files {
      guard let found = try StampPlan.bakedRecord(safetensors: file) else { continue }
      record = found
      let configPath = directory.config.path
      let model = try RoPESettings(
        huggingFace: directory.config.json, path: configPath, force: true)
      try checkTable(
        found, in: file.file, entry: file.tensor(named: found.tableName), path: file.path,
        model: model, endianness: .little)
      let recorded = try found.settings(path: file.path)
      if model.summary != recorded.summary {
        problems.append(
          PatchError(
            .inconsistent, path: configPath, key: "rope_scaling",
            "config.json declares \(model.summary); the baked table is for \(recorded.summary)"))
      }
      if case .yarn(_, let parameters) = model.scaling {
        let configured = parameters.attentionFactor
        switch found.attention {
        case .weights where configured != 1:
          problems.append(
            PatchError(
              .inconsistent, path: configPath, key: "rope_scaling.attention_factor",
              "the attention factor is applied twice: folded into the Q/K weights"
                + " (\(found.attentionFactor)) while config.json lets transformers apply"
                + " \(configured.map { "\($0)" } ?? "its default") as well; set"
                + " attention_factor 1.0"))
        case .metadata where configured == 1 && found.attentionFactor != 1:
          problems.append(
            PatchError(
              .inconsistent, path: configPath, key: "rope_scaling.attention_factor",
              "config.json sets attention_factor 1.0 but the weights do not carry the"
                + " attention factor \(found.attentionFactor)"))
        default: break
        }
      }
      return
    }
  }

  /// The table tensor against the record and the record against the model's geometry.
  private mutating func checkTable(
    _ record: BakedRoPE, in file: MappedFile, entry: TensorEntry?, path: String,
    model: RoPESettings, endianness: Endianness
  ) throws(PatchError) {
    tableName = record.tableName
    func problem(_ key: String?, _ message: String) {
      problems.append(PatchError(.inconsistent, path: path, key: key, message))
    }
    let key = BakedRoPE.metadataKey
    guard let entry else {
      problem(
        record.tableName, "'\(key)' names the table '\(record.tableName)', which the file lacks")
      return
    }
    if let configuration = model.rotaryConfiguration {
      let pairs = configuration.rotaryDimension / 2
      if entry.shape != [pairs] || record.pairCount != pairs {
        problem(
          entry.name,
          "the table is for the wrong head size: '\(entry.name)' has shape \(entry.shape) and the"
            + " record says \(record.pairCount) pairs, but the model rotates"
            + " \(configuration.rotaryDimension) dimensions (\(pairs) pairs)")
        return
      }
      if Float(configuration.base) != Float(record.base) {
        problem(
          key,
          "the table was computed for rope_theta \(record.base), the model has"
            + " \(configuration.base)")
      }
    }
    if let context = model.contextLength, context != record.contextLength {
      problem(
        key,
        "the table was baked for a context of \(record.contextLength); the model declares"
          + " \(context)")
    }
    guard entry.dtype == .f32, entry.shape == [record.pairCount] else {
      problem(
        entry.name,
        "'\(entry.name)' must be F32 [\(record.pairCount)], found \(entry.dtype.name) \(entry.shape)"
      )
      return
    }
    let bytes = file.bytes(in: entry.byteRange)
    let checksum = CRC32.checksum(bytes)
    if checksum != record.tableChecksum {
      problem(
        entry.name,
        "'\(entry.name)' was changed after baking: its CRC-32 is \(BakedRoPE.hex(checksum)), the"
          + " record says \(BakedRoPE.hex(record.tableChecksum))")
    }
    let expected = try record.recomputed(path: path)
    var worst: (index: Int, found: Float, expected: Float)?
    for index in 0..<record.pairCount {
      var bits: UInt32 = 0
      for byte in 0..<4 {
        let shift = endianness == .little ? 8 * byte : 8 * (3 - byte)
        bits |= UInt32(bytes[index * 4 + byte]) << shift
      }
      let found = Float(bitPattern: bits)
      if found.bitPattern != expected.table[index].bitPattern, worst == nil {
        worst = (index, found, expected.table[index])
      }
    }
    if let worst {
      problem(
        entry.name,
        "'\(entry.name)' is stale: pair \(worst.index) holds \(worst.found), the recorded"
          + " scaling gives \(worst.expected)")
    }
    if Float(expected.attention) != Float(record.attentionFactor) {
      problem(
        key,
        "the record's attention factor \(record.attentionFactor) is not its scaling's"
          + " (\(expected.attention))")
    }
  }
}
