import Tensors

#if canImport(Glibc)
import Glibc
#endif

extension Checkpoint {
  /// Opens whatever `path` names: a safetensors or GGUF file (zstd-compressed or not), a
  /// sharded index or its folder, a GGUF split shard (the whole set opens), or a Hugging Face
  /// model folder. Reads headers only.
  ///
  /// Problems that do not stop reading (nested GGUF arrays, stale `split.*` keys, index and
  /// shard disagreements) are collected in ``problems`` rather than thrown.
  public static func open(_ path: String) throws(FormatError) -> Checkpoint {
    let status: stat?
    do { status = try Syscalls.pathStatus(path) } catch { throw FormatError(error) }
    guard let status else {
      throw FormatError(.notFound, path: path, "no such file or folder")
    }
    if (status.st_mode & S_IFMT) == S_IFDIR { return try openFolder(path) }
    try UndoJournal.requireNoJournal(for: path)
    if path.hasSuffix(".index.json") {
      return Checkpoint(sharded: try ShardedSafetensors(path: path, verify: false), path: path)
    }
    let file: MappedFile
    do { file = try MappedFile(path: path) } catch { throw FormatError(error) }
    if Zstd.isCompressed(file) { return try openCompressed(file) }
    if file.count >= 4 && file.bytes(in: 0..<4) == GGUFFile.magic || path.hasSuffix(".gguf") {
      return Checkpoint(gguf: try GGUFSplitSet(path: path), path: path)
    }
    return Checkpoint(safetensors: try SafetensorsFile(path: path), path: path)
  }

  private static func openFolder(_ path: String) throws(FormatError) -> Checkpoint {
    let folder = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    func exists(_ name: String) -> Bool { (try? Syscalls.pathStatus("\(folder)/\(name)")) != nil }
    if exists("config.json") {
      return Checkpoint(huggingFace: try HFModelDirectory(path: folder))
    }
    if exists(SafetensorsIndex.fileName) {
      return Checkpoint(sharded: try ShardedSafetensors(path: folder, verify: false), path: folder)
    }
    throw FormatError(
      .unknownFormat, path: path,
      "a folder without config.json or \(SafetensorsIndex.fileName); name a checkpoint file instead"
    )
  }

  /// Decompresses to an unlinked scratch file and opens that: zstd frames cannot be read at
  /// random, so a compressed checkpoint costs one pass over its data.
  private static func openCompressed(_ compressed: MappedFile) throws(FormatError) -> Checkpoint {
    let inner =
      compressed.path.hasSuffix(".zst") ? String(compressed.path.dropLast(4)) : compressed.path
    let name = inner.split(separator: "/").last.map(String.init) ?? "checkpoint"
    let scratchFolder = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    let writer = try AtomicFileWriter(
      destination:
        "\(scratchFolder)/spindle-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-\(name)")
    try Zstd.decompress(compressed) { bytes throws(FormatError) in try writer.write(bytes) }
    try writer.commit()
    let plain: MappedFile
    do {
      plain = try MappedFile(path: writer.destination)
      try Syscalls.unlink(writer.destination)
    } catch {
      _ = unlink(writer.destination)
      throw FormatError(error)
    }
    var checkpoint: Checkpoint
    do {
      if plain.count >= 4 && plain.bytes(in: 0..<4) == GGUFFile.magic {
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
