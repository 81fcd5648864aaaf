import Tensors

#if canImport(Glibc)
import Glibc
#endif

extension Checkpoint {
  /// What a rewrite produced.
  public struct RewriteResult: Sendable, Equatable {
    public var path: String
    public var byteCount: Int
    /// Header room left for in-place edits (safetensors padding; GGUF reserved key + padding).
    public var headerRoom: Int

    public init(path: String, byteCount: Int, headerRoom: Int) {
      self.path = path
      self.byteCount = byteCount
      self.headerRoom = headerRoom
    }
  }

  /// Writes this checkpoint again through Spindle's writer, in the same format, with
  /// `reserve` bytes of header room for later in-place edits.
  ///
  /// GGUF keeps its version-3 layout, alignment, byte order and KV order; a split set is
  /// merged into one file (its `split.*` keys dropped). safetensors gets the reference layout.
  /// A destination ending in `.zst` is compressed. Tensor bytes are copied, never decoded.
  public func rewrite(to destination: String, reserve: Int = 0) throws(FormatError)
    -> RewriteResult
  {
    guard reserve >= 0 else {
      throw FormatError(.invalidArgument, path: destination, "--reserve must be ≥ 0")
    }
    if destination.hasSuffix(".zst") {
      let plain = String(destination.dropLast(4)) + ".spindle-\(getpid()).plain"
      defer { _ = unlink(plain) }
      _ = try rewrite(to: plain, reserve: reserve)
      let mapped: MappedFile
      do { mapped = try MappedFile(path: plain) } catch { throw FormatError(error) }
      let output = try AtomicFileWriter(destination: destination)
      try Zstd.compress(mapped, into: output)
      try output.commit()
      return RewriteResult(
        path: destination, byteCount: output.position, headerRoom: 0)
    }
    switch source {
    case .gguf(let shards):
      return try Checkpoint.rewrite(gguf: shards, to: destination, reserve: reserve)
    case .safetensors(let file):
      var writer = SafetensorsWriter(metadata: file.metadata, reserve: reserve)
      for entry in file.tensors {
        writer.add(
          entry.name, dtype: entry.dtype, shape: entry.shape, data: .tensor(entry, in: file.file))
      }
      let layout = try writer.write(to: destination)
      let written = try SafetensorsFile(path: destination)
      return RewriteResult(
        path: destination, byteCount: layout.fileSize, headerRoom: written.headerPadding)
    case .sharded, .huggingFace:
      throw FormatError(
        .invalidArgument, path: path,
        "rewrite takes one safetensors file, one GGUF file or a GGUF split set; name a shard")
    }
  }

  private static func rewrite(gguf shards: [GGUFFile], to destination: String, reserve: Int)
    throws(FormatError) -> RewriteResult
  {
    let first = shards[0]
    let merging = shards.count > 1
    var writer = try GGUFWriter(
      path: destination, alignment: first.alignment, endianness: first.endianness)
    writer.reservedBytes = reserve
    for entry in first.metadata where entry.key != GGUFFile.reservedKey {
      if merging && entry.key.hasPrefix("split.") { continue }
      try writer.add(entry.key, entry.value)
    }
    for shard in shards {
      for entry in shard.tensors {
        try writer.addTensor(
          entry.name, dtype: entry.dtype, shape: entry.shape,
          data: .file(shard.file, range: entry.byteRange))
      }
    }
    try writer.write()
    let written = try GGUFFile(path: destination)
    return RewriteResult(
      path: destination, byteCount: written.file.count,
      headerRoom: written.reservedBytes + written.paddingBeforeData)
  }
}
