import Tensors

#if canImport(Glibc)
import Glibc
#endif

extension Zstd {
  /// Decompresses `compressed` into an unlinked scratch file (in `$TMPDIR`, else `/tmp`) and
  /// maps it: zstd frames cannot be read at random, so a compressed checkpoint costs one pass
  /// over its data, and its bytes on disk rather than in memory. The file is gone from the
  /// folder once mapped, so nothing is left behind whatever happens next.
  public static func decompressToScratch(_ compressed: MappedFile) throws(FormatError)
    -> MappedFile
  {
    let inner =
      compressed.path.hasSuffix(".zst") ? String(compressed.path.dropLast(4)) : compressed.path
    let name = inner.split(separator: "/").last.map(String.init) ?? "checkpoint"
    let scratchFolder = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    let writer = try AtomicFileWriter(
      destination:
        "\(scratchFolder)/spindle-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-\(name)")
    try decompress(compressed) { bytes throws(FormatError) in try writer.write(bytes) }
    try writer.commit()
    do {
      let plain = try MappedFile(path: writer.destination)
      try Syscalls.unlink(writer.destination)
      return plain
    } catch {
      _ = unlink(writer.destination)
      throw FormatError(error)
    }
  }

  /// The file at `path`, or else the decompression of `path.zst`: how a folder's parts
  /// (safetensors shards, the index) are found in either form. A `.zst` file named directly is
  /// decompressed too.
  ///
  /// - Returns: the mapped bytes (of the scratch file when decompressed) and the path of the
  ///   file found, for messages.
  /// - Throws: `notFound` naming both forms when neither exists; the mapping and
  ///   decompression errors of the one that does.
  public static func mapPlainOrCompressed(_ path: String) throws(FormatError) -> (
    file: MappedFile, path: String
  ) {
    let compressedPath = "\(path).zst"
    let chosen: String
    if (try? Syscalls.pathStatus(path)).flatMap({ $0 }) != nil {
      chosen = path
    } else if (try? Syscalls.pathStatus(compressedPath)).flatMap({ $0 }) != nil {
      chosen = compressedPath
    } else {
      throw FormatError(
        .notFound, path: path, "neither \(path) nor \(compressedPath) exists")
    }
    let file: MappedFile
    do { file = try MappedFile(path: chosen) } catch { throw FormatError(error) }
    guard chosen.hasSuffix(".zst") && isCompressed(file) else { return (file, chosen) }
    return (try decompressToScratch(file), chosen)
  }
}
