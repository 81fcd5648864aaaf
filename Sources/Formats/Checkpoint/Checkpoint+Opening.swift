import Tensors

extension Checkpoint {
  /// Opens whatever `path` names: a safetensors or GGUF file (zstd-compressed or not), a
  /// sharded index or its folder, a GGUF split shard (the whole set opens), or a Hugging Face
  /// model folder. Reads headers only.
  ///
  /// Problems that do not stop reading (nested GGUF arrays, stale `split.*` keys, index and
  /// shard disagreements) are collected in ``problems`` rather than thrown.
  ///
  /// A file is read again when an in-place edit by another Spindle process ran while its
  /// header was parsed, and an edit in progress is waited for (``CheckpointPath/reading(_:_:)``).
  public static func open(_ path: String) throws(FormatError) -> Checkpoint {
    defer { PausePoint.reach(.afterOpen) }
    return try CheckpointPath.reading(path) { resolved throws(FormatError) in
      try open(resolved, path: path)
    }
  }

  private static func open(_ resolved: CheckpointPath, path: String) throws(FormatError)
    -> Checkpoint
  {
    switch resolved {
    case .folder(let folder):
      return try openFolder(folder)
    case .file(let file, .zstd):
      return try openCompressed(file)
    case .file(_, .json(.safetensorsIndex)):
      return Checkpoint(sharded: try ShardedSafetensors(path: path, verify: false), path: path)
    case .file(_, .gguf):
      return Checkpoint(gguf: try GGUFSplitSet(path: path), path: path)
    case .file(let file, _):
      return Checkpoint(safetensors: try SafetensorsFile(file: file), path: path)
    }
  }

  private static func openFolder(_ folder: String) throws(FormatError) -> Checkpoint {
    func exists(_ name: String) -> Bool { (try? Syscalls.pathStatus("\(folder)/\(name)")) != nil }
    if exists("config.json") {
      return Checkpoint(huggingFace: try HFModelDirectory(path: folder))
    }
    if exists(SafetensorsIndex.fileName) {
      return Checkpoint(sharded: try ShardedSafetensors(path: folder, verify: false), path: folder)
    }
    throw CheckpointPath.unrecognizedFolder(folder)
  }

  /// Decompresses to an unlinked scratch file and opens that (``Zstd/decompressToScratch(_:)``).
  private static func openCompressed(_ compressed: MappedFile) throws(FormatError) -> Checkpoint {
    let inner =
      compressed.path.hasSuffix(".zst") ? String(compressed.path.dropLast(4)) : compressed.path
    let plain = try Zstd.decompressToScratch(compressed)
    var checkpoint: Checkpoint
    let kind = FileKind.sniff(plain)
    if let refusal = kind.refusal(path: compressed.path) {
      throw FormatError(
        refusal.kind, path: refusal.path, offset: refusal.offset,
        refusal.message + " (once decompressed)")
    }
    do {
      if kind == .gguf || kind == .binary && inner.hasSuffix(".gguf") {
        checkpoint = Checkpoint(ggufShards: [try GGUFFile(file: plain)], path: compressed.path)
      } else {
        checkpoint = Checkpoint(
          safetensors: try SafetensorsFile(file: plain), path: compressed.path)
      }
    } catch {
      // Errors name the compressed file; offsets are in its decompressed stream.
      var located = error
      located.path = compressed.path
      located.message += " (offset in the decompressed stream)"
      throw located
    }
    checkpoint.compressedByteCount = compressed.count
    checkpoint.files = checkpoint.files.map { part in
      FilePart(
        path: compressed.path, byteCount: compressed.count, headerByteCount: part.headerByteCount)
    }
    return checkpoint
  }
}
