import Formats
import Models
import Patching
import Tensors

#if canImport(Glibc)
internal import Glibc
#endif

extension Verifier {
  /// Tensors a RoPE edit may add or change: the baked tables, and LongRoPE's two factor
  /// tables (llama.cpp's form of that scaling).
  static let ropeTableNames: Set<String> = [
    StampPlan.ggufTableName, StampPlan.huggingFaceTableName, GGUFLongRoPETables.longName,
    GGUFLongRoPETables.shortName,
  ]

  /// `changes`: against the original, only RoPE keys and tables changed: every other tensor
  /// is byte-identical (portable mode: the Q/K tensors may carry the attention factor), and
  /// metadata outside the RoPE keys is listed.
  func changesCheck(_ patched: OpenedCheckpoint, original: OpenedCheckpoint?) -> Check {
    guard let original else {
      return .skip("changes", "no original to compare with (--against ORIGINAL)")
    }
    guard let mine = patched.checkpoint, let theirs = original.checkpoint else {
      return .skip("changes", "a file does not open")
    }
    guard Self.family(mine.layout) == Self.family(theirs.layout) else {
      return .skip(
        "changes",
        "the original is a \(theirs.layout.rawValue), the patched model a \(mine.layout.rawValue);"
          + " tensors are compared within one format")
    }
    var problems: [String] = []
    var notes: [String] = []
    let tableNames = Self.ropeTableNames
    let folded: Set<String> =
      patched.record?.attention == .weights
      ? Set((try? AttentionFolding.targets(in: mine.tensors.map(\.name), path: path)) ?? []) : []
    let originals = Dictionary(
      theirs.tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    var files = MappedFiles(mine, theirs)
    var identical = 0
    var scaled = 0
    for entry in mine.tensors {
      guard let reference = originals[entry.name] else {
        if !tableNames.contains(entry.name) {
          problems.append("'\(entry.name)' is new: the original has no tensor of that name")
        }
        continue
      }
      // A table may be replaced by one of another size or with other values.
      let isTable = tableNames.contains(entry.name)
      guard entry.dtype == reference.dtype, entry.shape == reference.shape else {
        if isTable { continue }
        problems.append(
          "'\(entry.name)' changed type or shape: \(entry.dtype.name) \(entry.shape) here,"
            + " \(reference.dtype.name) \(reference.shape) in the original")
        continue
      }
      guard let difference = files.firstDifference(entry, reference) else {
        identical += 1
        continue
      }
      if folded.contains(entry.name) {
        scaled += 1
        continue
      }
      if isTable { continue }
      problems.append(
        "'\(entry.name)' differs from the original (first difference at byte \(difference) of"
          + " \(entry.byteCount)): only RoPE tables and, in portable mode, the Q/K tensors may"
          + " change")
    }
    let names = Set(mine.tensors.map(\.name))
    for entry in theirs.tensors
    where !names.contains(entry.name) && !tableNames.contains(entry.name) {
      problems.append("'\(entry.name)' is missing: the original has it")
    }
    let (ropeKeys, otherKeys) = Self.metadataChanges(mine, theirs)
    if !otherKeys.isEmpty {
      notes.append("metadata changed besides the RoPE keys: \(otherKeys.joined(separator: ", "))")
    }
    let figure =
      "\(identical) of \(mine.tensors.count) tensors identical"
      + (scaled > 0 ? ", \(scaled) Q/K scaled" : "") + ", \(ropeKeys.count) RoPE keys changed"
    guard problems.isEmpty else {
      return Check(
        name: "changes", status: .fail, figure: figure, value: Double(problems.count),
        message: problems[0], details: problems + notes)
    }
    return Check(
      name: "changes", status: .pass, figure: figure, value: 0,
      message: "only RoPE keys and tables changed"
        + (scaled > 0 ? " (and the Q/K tensors that carry the attention factor)" : ""),
      details: notes + (ropeKeys.isEmpty ? [] : ["RoPE keys: \(ropeKeys.joined(separator: ", "))"]))
  }

  static func family(_ layout: Checkpoint.Layout) -> String {
    switch layout {
    case .gguf, .ggufSplit: "gguf"
    case .safetensors, .shardedSafetensors, .huggingFace: "safetensors"
    }
  }

  /// Keys whose value differs (added, removed or changed), split into RoPE keys and others.
  static func metadataChanges(_ mine: Checkpoint, _ theirs: Checkpoint) -> (
    rope: [String], other: [String]
  ) {
    func values(_ checkpoint: Checkpoint) -> [String: (type: String, value: String)] {
      var result: [String: (type: String, value: String)] = [:]
      for item in checkpoint.metadata where item.key != GGUFFile.reservedKey {
        // Long arrays (vocabularies) compare by summary; everything else by full value.
        let isArray = item.type.hasPrefix("[")
        result["\(item.source) \(item.key)"] = (
          item.type, isArray ? item.summary : item.value.serialized(.compact)
        )
      }
      return result
    }
    let a = values(mine)
    let b = values(theirs)
    var rope: [String] = []
    var other: [String] = []
    for key in Set(a.keys).union(b.keys).sorted() {
      let x = a[key]
      let y = b[key]
      if x?.type == y?.type && x?.value == y?.value { continue }
      let name = String(key.split(separator: " ", maxSplits: 1).last ?? "")
      if isRoPEKey(name) { rope.append(name) } else { other.append(name) }
    }
    return (rope, other)
  }

  static func isRoPEKey(_ key: String) -> Bool {
    if key.hasPrefix("spindle.") || key == "rope_scaling" || key == "rope_parameters"
      || key == "max_position_embeddings" || key == "original_max_position_embeddings"
    {
      return true
    }
    guard let dot = key.firstIndex(of: ".") else { return false }
    let rest = key[key.index(after: dot)...]
    return rest == "context_length" || rest.hasPrefix("rope.scaling.")
  }
}

/// Mapped files by path, opened once.
struct MappedFiles {
  private var files: [String: MappedFile] = [:]

  /// Starts with the files the checkpoints hold open, so a decompressed `.zst` (an unlinked
  /// scratch file) is read from its mapping instead of reopened by path.
  init(_ checkpoints: Checkpoint...) {
    for checkpoint in checkpoints {
      switch checkpoint.source {
      case .gguf(let shards): for shard in shards { files[shard.path] = shard.file }
      case .safetensors(let file): files[file.path] = file.file
      case .sharded(let set): for shard in set.shards { files[shard.path] = shard.file }
      case .huggingFace(let folder):
        switch folder.weights {
        case .single(let file): files[file.path] = file.file
        case .sharded(let set): for shard in set.shards { files[shard.path] = shard.file }
        case .unindexed(let shards): for shard in shards { files[shard.path] = shard.file }
        case nil: break
        }
      }
    }
  }

  mutating func file(_ path: String) -> MappedFile? {
    if let found = files[path] { return found }
    let opened = try? MappedFile(path: path)
    files[path] = opened
    return opened
  }

  /// The first byte offset within the tensor where two tensors' bytes differ.
  ///
  /// `nil` when they are identical; a file that cannot be read counts as a difference at 0.
  /// The pages compared are dropped afterwards (read once; see ``MappedFile/release(_:)``).
  mutating func firstDifference(_ a: TensorEntry, _ b: TensorEntry) -> Int? {
    guard a.byteCount == b.byteCount, let fileA = file(a.path), let fileB = file(b.path),
      a.byteRange.upperBound <= fileA.count, b.byteRange.upperBound <= fileB.count
    else { return 0 }
    defer {
      fileA.release(a.byteRange)
      fileB.release(b.byteRange)
    }
    return fileA.withUnsafeBytes(in: a.byteRange) { x in
      fileB.withUnsafeBytes(in: b.byteRange) { y -> Int? in
        guard let p = x.baseAddress, let q = y.baseAddress else { return nil }
        let chunk = 1 << 20
        var offset = 0
        while offset < x.count {
          let length = min(chunk, x.count - offset)
          if memcmp(p + offset, q + offset, length) != 0 {
            for index in offset..<(offset + length) where x[index] != y[index] { return index }
          }
          offset += length
        }
        return nil
      }
    }
  }
}
