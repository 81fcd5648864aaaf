import Formats
public import Models
import RoPE
import Tensors

#if canImport(Glibc)
import Glibc
#endif

extension StampPlan {
  /// Plans stamping `request` into the checkpoint at `path`: a Hugging Face folder, a
  /// safetensors file or a single GGUF file.
  ///
  /// The original context defaults to the existing scaling's original length, else the
  /// model's context length; the new context to `original × factor` (dynamic NTK: the
  /// original). Refuses, with a message
  /// naming the key or option: an invalid existing configuration (unless `force`), a different
  /// existing scaling (unless `replace`), a context that would shrink, YaRN lengths that
  /// disagree with the factor (unless `force`), a scaling the format cannot express (GGUF:
  /// llama3, dynamic types, files with a `rope_freqs` tensor), compressed files, sharded
  /// indexes and GGUF split sets.
  public init(path: String, request: StampRequest) throws(PatchError) {
    try request.validate(path: path)
    let parsed: CheckpointPath.Parsed
    do { parsed = try CheckpointPath.parsed(path) } catch { throw PatchError(error) }
    switch parsed {
    case .other(.folder(let folder)):
      try self.init(folder: folder, request: request)
    case .other(.file(_, .zstd)):
      throw PatchError(
        .unsupported, path: path, "a zstd-compressed checkpoint cannot be stamped; decompress it")
    case .other:
      throw PatchError(
        .unsupported, path: path,
        "a sharded index carries no scaling; stamp the model folder (its config.json) instead")
    case .gguf(let gguf):
      try self.init(gguf: gguf, path: path, request: request)
    case .safetensors(let safetensors):
      try self.init(safetensors: safetensors, path: path, request: request)
    }
  }

  private init(folder: String, request: StampRequest) throws(PatchError) {
    let trimmed = folder.count > 1 && folder.hasSuffix("/") ? String(folder.dropLast()) : folder
    let configPath = "\(trimmed)/config.json"
    if (try? Syscalls.pathStatus(configPath)) == nil {
      if (try? Syscalls.pathStatus("\(trimmed)/\(SafetensorsIndex.fileName)")) == nil {
        throw PatchError(CheckpointPath.unrecognizedFolder(trimmed))
      }
      throw PatchError(
        .unsupported, path: trimmed,
        "a folder without config.json: the scaling goes into config.json; name a checkpoint file instead"
      )
    }
    let text: [UInt8]
    do {
      let file = try MappedFile(path: configPath)
      text = file.count == 0 ? [] : file.bytes(in: 0..<file.count)
    } catch {
      throw PatchError(FormatError(error))
    }
    var patch = try ConfigTextPatch(text: text, path: configPath)
    let config: JSONObject
    do {
      let parsed = try JSONValue.parse(String(decoding: text, as: UTF8.self), path: configPath)
      config = parsed.object ?? JSONObject()
    } catch { throw PatchError(error) }
    var before = try RoPESettings(huggingFace: config, path: configPath, force: request.force)
    let weights = try Self.folderWeights(trimmed, request: request)
    let previous = try weights.flatMap { files throws(PatchError) in
      try Self.previousRecord(in: files)
    }
    if let previous { before = try Self.applying(previous.record, to: before, path: configPath) }
    var (after, warnings) = try Self.resolve(
      before, request: request, path: configPath,
      contextKey: "max_position_embeddings")
    after.otherLayerTypes = before.otherLayerTypes
    var configSettings = after
    var record: BakedRoPE?
    var tableBytes: [UInt8] = []
    if request.tables && request.method == .longrope {
      warnings.append(
        "transformers computes LongRoPE's short and long inv_freq from config.json's short_factor"
          + " and long_factor; those lists are its tables and stay in config.json (no"
          + " \(Self.huggingFaceTableName) is written)")
    } else if request.tables {
      let attention: BakedRoPE.AttentionPlacement = request.bakeAttention ? .weights : .metadata
      (record, tableBytes) = try Self.bakedTable(
        after, form: .inverseFrequencies, tableName: Self.huggingFaceTableName,
        attention: attention, endianness: .little, path: configPath)
      if attention == .weights, case .yarn(let factor, var parameters) = after.scaling {
        // transformers applies attention_factor itself; the weights carry it now.
        parameters.attentionFactor = 1
        configSettings.scaling = .yarn(factor: factor, parameters)
      }
    }
    var changes: [KeyChange] = []
    for (key, value) in configSettings.huggingFaceMembers(for: config) {
      let old = config[key]
      if let old, Self.sameJSON(old, value) { continue }
      patch.set(key, value)
      changes.append(
        KeyChange(
          key: key, before: old.map { $0.serialized(.compact) },
          after: value.serialized(.compact)))
    }
    // The edited text must read back as the settings planned.
    if !patch.isEmpty {
      let edited = patch.edited
      let reread: RoPESettings
      do {
        let value = try JSONValue.parse(String(decoding: edited, as: UTF8.self), path: configPath)
        reread = try RoPESettings(
          huggingFace: value.object ?? JSONObject(), path: configPath, force: request.force)
      } catch let error as PatchError {
        throw error
      } catch let error as FormatError {
        throw PatchError(error)
      } catch {
        throw PatchError(.format, path: configPath, "\(error)")
      }
      try Self.checkReadBack(reread, after, path: configPath)
    }
    self.init(
      path: folder, target: .huggingFace(folder: trimmed, configText: patch), before: before,
      after: after, changes: changes, warnings: before.warnings + warnings)
    if let weights, record != nil || previous != nil {
      try planFolderTables(
        weights, previous: previous, record: record, tableBytes: tableBytes, path: configPath)
    }
  }

  private init(safetensors file: SafetensorsFile, path: String, request: StampRequest)
    throws(PatchError)
  {
    if request.tables {
      throw PatchError(
        .unsupported, path: path, key: "--tables",
        "a safetensors file alone does not say its head size or rope_theta; bake the tables"
          + " through its Hugging Face folder (the folder with config.json)")
    }
    if try Self.bakedRecord(safetensors: file) != nil {
      throw PatchError(
        .unsupported, path: path, key: BakedRoPE.metadataKey,
        "the file carries baked RoPE tables; stamp its Hugging Face folder instead")
    }
    let before = try RoPESettings(
      safetensorsMetadata: file.metadata, path: path, force: request.force)
    let (after, warnings) = try Self.resolve(
      before, request: request, path: path,
      contextKey: "__metadata__ \(RoPESettings.safetensorsContextKey)")
    let old = file.metadata ?? []
    let new = after.safetensorsMetadata(updating: old)
    var changes: [KeyChange] = []
    for key in [RoPESettings.safetensorsContextKey, RoPESettings.safetensorsScalingKey] {
      let previous = old.first { $0.key == key }?.value
      let next = new.first { $0.key == key }?.value
      if previous != next {
        changes.append(
          KeyChange(
            key: key, before: previous.map(Self.quoted), after: next.map(Self.quoted)))
      }
    }
    let reread = try RoPESettings(safetensorsMetadata: new, path: path, force: request.force)
    try Self.checkReadBack(reread, after, path: path)
    self.init(
      path: path, target: .safetensors(file, metadata: new), before: before, after: after,
      changes: changes, warnings: before.warnings + warnings)
  }

  private init(gguf file: GGUFFile, path: String, request: StampRequest) throws(PatchError) {
    if let count = file.metadata("split.count")?.integer, count > 1 {
      throw PatchError(
        .unsupported, path: path, key: "split.count",
        "this is shard of a \(count)-file GGUF split set; merge it first (spindle rewrite) and"
          + " stamp the merged file")
    }
    var before = try RoPESettings(gguf: file, force: request.force)
    let lookup = { (key: String) in file.metadata(key) }
    let architecture = try RoPESettings.ggufArchitecture(lookup, path: path)
    let previous = try Self.bakedRecord(gguf: file)
    let table = file.tensors.first { $0.name == Self.ggufTableName }
    if let previous {
      before = try Self.applying(previous, to: before, path: path)
    } else if table != nil {
      throw PatchError(
        .unsupported, path: path, key: Self.ggufTableName,
        "the file has a rope_freqs.weight tensor Spindle did not write (llama3-style frequency"
          + " factors); stamping a scaling on top would scale twice")
    }
    var (after, warnings) = try Self.resolve(
      before, request: request, path: path, contextKey: "\(architecture).context_length",
      storedForm: \.ggufStoredForm)
    after.base = before.base
    var record: BakedRoPE?
    var tableBytes: [UInt8] = []
    var keySettings = after
    // LongRoPE's factor tensors are its tables already: --tables adds nothing to them.
    if request.tables && request.method != .longrope {
      guard LlamaCppGraph.reads(.frequencies, architecture: architecture) else {
        throw PatchError(
          .unsupported, path: path, key: "general.architecture",
          "llama.cpp's \(architecture) graph does not read rope_freqs.weight (it would refuse the"
            + " file: wrong number of tensors); stamp keys only (omit --tables)")
      }
      let attention: BakedRoPE.AttentionPlacement = request.bakeAttention ? .weights : .metadata
      (record, tableBytes) = try Self.bakedTable(
        after, form: .frequencyFactors, tableName: Self.ggufTableName, attention: attention,
        endianness: file.endianness, path: path)
      keySettings.scaling = .none
    }
    var mapping = keySettings.ggufMapping(architecture: architecture, existing: lookup)
    if !mapping.unexpressed.isEmpty {
      throw PatchError(
        .unsupported, path: path,
        "GGUF cannot express this scaling: " + mapping.unexpressed.joined(separator: "; "))
    }
    let p = architecture + "."
    if let record {
      // No runtime scaling: type none (llama.cpp then neither blends nor rescales), the
      // attention factor as the multiplier llama.cpp applies to cos/sin, the record.
      mapping.edits.removeAll {
        $0.key == p + "rope.scaling.attn_factor" || $0.key == p + "rope.scaling.type"
      }
      mapping.edits.append(.set(p + "rope.scaling.type", .string("none")))
      if record.attention == .metadata && record.attentionFactor != 1 {
        mapping.edits.append(
          .set(p + "rope.scaling.attn_factor", .float32(Float(record.attentionFactor))))
      } else if file.metadata(p + "rope.scaling.attn_factor") != nil {
        mapping.edits.append(.delete(p + "rope.scaling.attn_factor"))
      }
      mapping.edits.append(.set(BakedRoPE.metadataKey, .string(record.json)))
    } else if previous != nil {
      mapping.edits.append(.delete(BakedRoPE.metadataKey))
    }
    warnings += mapping.warnings
    if file.endianness == .big && Self.weightFactor(from: previous, to: record) != 1 {
      throw PatchError(
        .unsupported, path: path, key: "--bake-attention",
        "folding the attention factor into a big-endian GGUF is not supported")
    }
    var changes: [KeyChange] = []
    var edits: [GGUFKeyEdit] = []
    for edit in mapping.edits {
      let previousValue = file.metadata(edit.key)
      switch edit {
      case .set(let key, let value):
        if previousValue == value { continue }
        changes.append(
          KeyChange(
            key: key, before: previousValue.map(Self.rendered), after: Self.rendered(value)))
      case .delete(let key):
        changes.append(KeyChange(key: key, before: previousValue.map(Self.rendered), after: nil))
      }
      edits.append(edit)
    }
    var tensorChanges: [TensorChange] = []
    if let record {
      let values = Array(tableBytes)
      let old = table.map { file.file.bytes(in: $0.byteRange) }
      if old != values || table?.dtype != .f32 || table?.shape != [record.pairCount] {
        tensorChanges.append(
          TensorChange(
            name: Self.ggufTableName, action: table == nil ? .add(values) : .replace(values),
            dtype: .f32, shape: [record.pairCount]))
      }
    } else if let table {
      tensorChanges.append(
        TensorChange(name: table.name, action: .remove, dtype: table.dtype, shape: table.shape))
    }
    let existingFactors = GGUFLongRoPETables(gguf: file)
    tensorChanges += Self.longRoPEChanges(
      from: existingFactors, to: mapping.longRoPETables, endianness: file.endianness)
    tensorChanges += try Self.foldingChanges(
      Self.weightFactor(from: previous, to: record), tensors: file.tensors, path: path)
    let metadata = edits.applied(
      to: file.metadata.filter { $0.key != GGUFFile.reservedKey }.map { ($0.key, $0.value) },
      groupingPrefix: architecture + ".")
    var index: [String: GGUFValue] = [:]
    for (key, value) in metadata { index[key] = value }
    var reread = try RoPESettings(
      ggufMetadata: index, tables: mapping.longRoPETables ?? GGUFLongRoPETables(), path: path,
      force: request.force)
    if let record { reread = try Self.applying(record, to: reread, path: path) }
    try Self.checkReadBack(reread, after, path: path)
    if case .longRoPE = after.scaling, reread.scaling != after.scaling {
      throw PatchError(
        .format, path: path,
        "internal check failed: the LongRoPE tensors and keys do not read back as the factors"
          + " planned; nothing was written")
    }
    self.init(
      path: path, target: .gguf(file, metadata: metadata), before: before, after: after,
      changes: changes, warnings: before.warnings + warnings)
    self.tensorChanges = tensorChanges
    self.baked = record
  }

  /// The changes that make a GGUF's LongRoPE tensors `wanted` (`nil`: none): added or
  /// replaced when their bytes, type or shape differ, removed when no longer wanted.
  static func longRoPEChanges(
    from existing: GGUFLongRoPETables, to wanted: GGUFLongRoPETables?, endianness: Endianness
  ) -> [TensorChange] {
    var changes: [TensorChange] = []
    for (name, old, new) in [
      (GGUFLongRoPETables.longName, existing.long, wanted?.long),
      (GGUFLongRoPETables.shortName, existing.short, wanted?.short),
    ] {
      if let new, let values = new.values {
        let bytes = GGUFLongRoPETables.float32Bytes(values, endianness: endianness)
        let same =
          old?.dtype == .f32 && old?.shape == new.shape
          && old?.values.map { $0.map(\.bitPattern) } == values.map(\.bitPattern)
        if !same {
          changes.append(
            TensorChange(
              name: name, action: old == nil ? .add(bytes) : .replace(bytes), dtype: .f32,
              shape: new.shape))
        }
      } else if let old {
        changes.append(
          TensorChange(name: name, action: .remove, dtype: old.dtype, shape: old.shape))
      }
    }
    return changes
  }

  /// The settings to write, and warnings, from what the model says and what was asked.
  ///
  /// `storedForm` maps the settings to what the target format reads back (GGUF: LongRoPE
  /// factors at F32 precision), so restamping what a file holds is recognized as a no-op.
  static func resolve(
    _ before: RoPESettings, request: StampRequest, path: String, contextKey: String,
    storedForm: (RoPESettings) -> RoPESettings = { $0 }
  ) throws(PatchError) -> (RoPESettings, [String]) {
    var warnings: [String] = []
    let scaled: Bool
    if case .none = before.scaling { scaled = false } else { scaled = true }
    let modelOriginal = scaled ? before.originalContextLength : before.contextLength
    guard let original = request.originalContextLength ?? modelOriginal else {
      throw PatchError(
        .missingKey, path: path, key: contextKey,
        "the model does not say its context length ('\(contextKey)'); pass --original-context")
    }
    if let modelOriginal, request.originalContextLength != nil, modelOriginal != original {
      warnings.append(
        "the model declares \(scaled ? "an original" : "a") context of \(modelOriginal);"
          + " scaling from --original-context \(original) instead")
    }
    // Dynamic NTK measures the sequence against max_position_embeddings: it stays the original.
    let defaultContext =
      switch request.method {
      case .dynamic: original
      case .longrope where request.derivesFactor: max(before.contextLength ?? original, original)
      default: Int((Double(original) * request.factor).rounded())
      }
    let context = request.contextLength ?? defaultContext
    if context < original {
      throw PatchError(
        .invalidValue, path: path, key: "--context",
        "the context \(context) is below the original \(original): scaling cannot shrink it")
    }
    let parameters = YaRNParameters(
      betaFast: request.betaFast ?? 32, betaSlow: request.betaSlow ?? 1,
      attentionFactor: request.attentionFactor)
    let scaling: RoPEScaling =
      switch request.method {
      case .yarn:
        request.dynamic ? .dynamicYaRN(parameters) : .yarn(factor: request.factor, parameters)
      case .linear: .linear(factor: request.factor)
      case .dynamic: .dynamicNTK(factor: request.factor)
      case .llama3: .llama3(factor: request.factor)
      case .longrope:
        .longRoPE(
          shortFactors: request.shortFactors, longFactors: request.longFactors,
          factor: request.derivesFactor ? nil : request.factor,
          attentionFactor: request.attentionFactor)
      }
    if request.method == .yarn,
      (Double(original) * request.factor - Double(context)).magnitude >= 1
    {
      let error = PatchError(
        .inconsistent, path: path, key: "--context",
        "--context \(context) is not factor × original (\(PatchError.number(request.factor)) ×"
          + " \(original) = \(PatchError.number(request.factor * Double(original)))); YaRN"
          + " readers disagree on which one wins")
      guard request.force else { throw error }
      warnings.append(error.message + " (proceeding: --force)")
    }
    if request.method == .yarn, request.dynamic, request.contextLength != nil,
      (Double(original) * request.factor - Double(context)).magnitude >= 1
    {
      warnings.append("dynamic-yarn derives its factor from the lengths; --factor is ignored")
    }
    if request.derivesFactor ? context == original : request.factor == 1 {
      warnings.append("a factor of 1 scales nothing")
    }
    var after = before
    after.scaling = scaling
    after.contextLength = context
    after.originalContextLength = original
    after.warnings = []
    after = storedForm(after)
    if let configuration = after.rotaryConfiguration {
      do { try scaling.validate(for: configuration) } catch {
        throw PatchError(error, path: path, prefix: "")
      }
    }
    if scaled && !before.sameScaling(as: after) && !request.replace {
      throw PatchError(
        .conflict, path: path,
        "the model already has \(before.summary); stamping \(after.summary) would overwrite it:"
          + " pass --replace to do so")
    }
    return (after, warnings)
  }

  static func checkReadBack(_ reread: RoPESettings, _ after: RoPESettings, path: String)
    throws(PatchError)
  {
    guard reread.summary == after.summary else {
      throw PatchError(
        .format, path: path,
        "internal check failed: the stamped form reads back as \(reread.summary), not"
          + " \(after.summary); nothing was written")
    }
  }

  /// JSON equality with object members in any order (a sorted config.json holds the same dict).
  static func sameJSON(_ left: JSONValue, _ right: JSONValue) -> Bool {
    switch (left, right) {
    case (.object(let a), .object(let b)):
      return a.count == b.count
        && a.allSatisfy { member in b[member.key].map { sameJSON(member.value, $0) } ?? false }
    case (.array(let a), .array(let b)):
      return a.count == b.count && zip(a, b).allSatisfy { sameJSON($0, $1) }
    default:
      return left == right
    }
  }

  static func rendered(_ value: GGUFValue) -> String { "\(value.typeName) \(value.summary())" }

  static func quoted(_ text: String) -> String { JSONValue.string(text).serialized(.compact) }
}
