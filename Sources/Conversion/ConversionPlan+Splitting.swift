import Formats
import Tensors

extension ConversionPlan {
  /// Where a split set (`--split-max-tensors`, `--split-max-size`) breaks the tensors, as
  /// gguf-py's `GGUFWriter` does: a new shard starts before a tensor when the current one
  /// already holds `maxTensors` tensors, or when the tensor would take its tensor bytes
  /// (unpadded, headers not counted) over `maxBytes`; a shard never starts empty, so a tensor
  /// over the limit gets a shard of its own. 0 means no limit.
  public struct SplitLimits: Sendable, Equatable {
    public var maxTensors: Int
    public var maxBytes: Int

    public init(maxTensors: Int = 0, maxBytes: Int = 0) {
      self.maxTensors = maxTensors
      self.maxBytes = maxBytes
    }

    /// Whether any limit is set.
    public var isSplitting: Bool { maxTensors > 0 || maxBytes > 0 }
  }

  /// One file of a split set: its name and the plan's tensors it holds.
  public struct Shard: Sendable {
    public var path: String
    public var tensors: Range<Int>
  }

  /// The files `write(to:split:)` writes: one (`destination` itself) when the limits leave
  /// all tensors together, as llama.cpp does; else `<stem>-00001-of-0000N.gguf` … beside it,
  /// `<stem>` the destination without its `.gguf`.
  public func shards(of destination: String, limits: SplitLimits) -> [Shard] {
    var ranges: [Range<Int>] = []
    var start = 0
    var bytes = 0
    for (index, tensor) in tensors.enumerated() {
      let count = index - start
      if count > 0
        && ((limits.maxTensors > 0 && count >= limits.maxTensors)
          || (limits.maxBytes > 0 && bytes + tensor.byteCount > limits.maxBytes))
      {
        ranges.append(start..<index)
        start = index
        bytes = 0
      }
      bytes += tensor.byteCount
    }
    ranges.append(start..<tensors.count)
    if ranges.count == 1 { return [Shard(path: destination, tensors: ranges[0])] }
    let stem = destination.hasSuffix(".gguf") ? String(destination.dropLast(5)) : destination
    return ranges.enumerated().map { number, range in
      Shard(
        path: GGUFSplitSet.shardPath(prefix: stem, number: number + 1, of: ranges.count),
        tensors: range)
    }
  }

  /// Writes the plan as the split set ``shards(of:limits:)`` describes: the model metadata in
  /// the first shard, `split.no`, `split.count` and `split.tensors.count` in every shard (after
  /// the metadata in the first), as gguf-py writes them. Every shard is written and fsync'd
  /// under a temporary name and validated; only then are they renamed, so a failure leaves
  /// no shard under its final name.
  ///
  /// - Parameter progress: bytes written and the set's size, after each tensor.
  /// - Throws: `output`, with the writer's or the validation's error.
  public func write(
    to destination: String, split limits: SplitLimits,
    progress: ((_ written: Int, _ total: Int) -> Void)? = nil
  ) throws(ConversionError) -> Written {
    let shards = shards(of: destination, limits: limits)
    if shards.count == 1 { return try write(to: destination, progress: progress) }
    guard shards.count <= Int(UInt16.max) else {
      throw ConversionError(
        FormatError(
          .invalidArgument, path: destination,
          "the limits make \(shards.count) shards; split.count holds at most \(UInt16.max)"))
    }
    var pending: [AtomicFileWriter] = []
    do throws(FormatError) {
      var writers: [GGUFWriter] = []
      for (number, shard) in shards.enumerated() {
        var writer = try GGUFWriter(path: shard.path)
        if number == 0 { for (key, value) in metadata { try writer.add(key, value) } }
        for (key, value) in Self.splitKeys(number, of: shards.count, tensors: tensors.count) {
          try writer.add(key, value)
        }
        for tensor in tensors[shard.tensors] {
          try writer.addTensor(
            tensor.name, dtype: tensor.dtype, shape: tensor.shape, data: data(tensor, shard.path))
        }
        writers.append(writer)
      }
      var sizes: [Int] = []
      for writer in writers { sizes.append(try writer.fileByteCount()) }
      let total = sizes.reduce(0, +)
      try AtomicFileWriter.requireSpace(total, in: destination)
      var done = 0
      var copied = 0
      for (number, writer) in writers.enumerated() {
        let shard = shards[number]
        let output = try writer.writeUncommitted(
          progress: { written, _ in progress?(done + written, total) },
          check: { (temporary) throws(FormatError) in
            try Self.validate(
              shard: temporary, destination: shard.path, number: number, of: shards.count,
              tensorCount: shard.tensors.count, totalTensors: tensors.count)
          })
        pending.append(output)
        copied += output.bytesCopiedInKernel
        done += sizes[number]
      }
      var committed: [String] = []
      do throws(FormatError) {
        for output in pending {
          try output.commit()
          committed.append(output.destination)
        }
      } catch {
        for path in committed { try? Syscalls.unlink(path) }
        throw error
      }
      return Written(
        path: shards[0].path, byteCount: total, bytesCopiedInKernel: copied,
        shards: shards.map(\.path))
    } catch {
      for output in pending { output.abort() }
      throw ConversionError(error)
    }
  }

  /// The `split.*` keys of shard `number` (0-based), typed as gguf-py writes them.
  static func splitKeys(_ number: Int, of count: Int, tensors: Int) -> [(String, GGUFValue)] {
    [
      ("split.no", .uint16(UInt16(number))), ("split.count", .uint16(UInt16(count))),
      ("split.tensors.count", .int32(Int32(tensors))),
    ]
  }

  /// Runs `validate`'s checks on one written shard; its `split.*` keys are checked against
  /// the set (a shard opened alone would count as a set of one).
  static func validate(
    shard temporary: String, destination: String, number: Int, of count: Int, tensorCount: Int,
    totalTensors: Int
  ) throws(FormatError) {
    let written = try Checkpoint.open(temporary)
    if let problem = written.problems.first(where: { $0.kind != .splitInconsistent }) {
      throw FormatError(
        problem.kind, path: destination, name: problem.name,
        "the converted shard fails validation, so no shard was kept: \(problem.message)")
    }
    let file = try GGUFFile(path: temporary)
    for (key, value) in splitKeys(number, of: count, tensors: totalTensors)
    where file.metadata(key) != value {
      throw FormatError(
        .splitInconsistent, path: destination, name: key,
        "the converted shard's \(key) is not \(value.summary()), so no shard was kept")
    }
    guard file.tensors.count == tensorCount else {
      throw FormatError(
        .io, path: destination,
        "the converted shard holds \(file.tensors.count) tensors, the plan \(tensorCount)")
    }
  }
}
