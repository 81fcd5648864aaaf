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
  /// A destination ending in `.zst` is compressed. Tensor bytes are copied, never decoded,
  /// unless `transform` gives a tensor a new type and bytes (a dequantizing rewrite);
  /// `ggufKeys` replace (or are appended as) GGUF KVs of the same key.
  public func rewrite(
    to destination: String, reserve: Int = 0,
    ggufKeys: [(key: String, value: GGUFValue)] = [], transform: TensorTransform? = nil
  ) throws(FormatError) -> RewriteResult {
    guard reserve >= 0 else {
      throw FormatError(.invalidArgument, path: destination, "--reserve must be ≥ 0")
    }
    if destination.hasSuffix(".zst") {
      let (folder, name) = AtomicFileWriter.split(destination)
      let plain = "\(folder)/.\(name).spindle-\(getpid())-plain.tmp"
      defer { _ = unlink(plain) }
      _ = try rewrite(to: plain, reserve: reserve, ggufKeys: ggufKeys, transform: transform)
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
      return try Checkpoint.rewrite(
        gguf: shards, to: destination, reserve: reserve, keys: ggufKeys, transform: transform)
    case .safetensors(let file):
      var writer = SafetensorsWriter(metadata: file.metadata, reserve: reserve)
      for entry in file.tensors {
        let (dtype, data) = try Self.written(entry, in: file.file, transform)
        writer.add(entry.name, dtype: dtype, shape: entry.shape, data: data)
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

  /// A tensor's type and bytes in a rewrite, given the source entry and its mapped file.
  public typealias TensorTransform = (TensorEntry, MappedFile) throws(FormatError) -> (
    DType, TensorData
  )

  private static func written(
    _ entry: TensorEntry, in file: MappedFile, _ transform: TensorTransform?
  ) throws(FormatError) -> (DType, TensorData) {
    guard let transform else { return (entry.dtype, .tensor(entry, in: file)) }
    return try transform(entry, file)
  }

  private static func rewrite(
    gguf shards: [GGUFFile], to destination: String, reserve: Int,
    keys: [(key: String, value: GGUFValue)], transform: TensorTransform?
  ) throws(FormatError) -> RewriteResult {
    let first = shards[0]
    let merging = shards.count > 1
    var writer = try GGUFWriter(
      path: destination, alignment: first.alignment, endianness: first.endianness)
    writer.reservedBytes = reserve
    var pending = keys
    for entry in first.metadata where entry.key != GGUFFile.reservedKey {
      if merging && entry.key.hasPrefix("split.") { continue }
      if let index = pending.firstIndex(where: { $0.key == entry.key }) {
        try writer.add(entry.key, pending.remove(at: index).value)
      } else {
        try writer.add(entry.key, entry.value)
      }
    }
    for (key, value) in pending { try writer.add(key, value) }
    for shard in shards {
      for entry in shard.tensors {
        let (dtype, data) = try written(entry, in: shard.file, transform)
        try writer.addTensor(entry.name, dtype: dtype, shape: entry.shape, data: data)
      }
    }
    try writer.write()
    let written = try GGUFFile(path: destination)
    return RewriteResult(
      path: destination, byteCount: written.file.count,
      headerRoom: written.reservedBytes + written.paddingBeforeData)
  }
}
