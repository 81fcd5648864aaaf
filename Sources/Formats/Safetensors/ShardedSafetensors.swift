import Tensors

/// A sharded safetensors checkpoint: its index and every shard, checked against each other.
///
/// Nobody upstream checks that an index matches its shards (formats.md §1.5, §4 item 12), and
/// loaders then read garbage; this type does. Tensors whose shard is missing or unreadable are
/// absent from ``tensors``.
public struct ShardedSafetensors: Sendable {
  /// The parsed index.
  public let index: SafetensorsIndex
  /// The shards that opened, in index order.
  public let shards: [SafetensorsFile]
  /// Every tensor of every opened shard: shard by shard in index order, offset order within.
  public let tensors: [TensorEntry]

  private let found: [FormatError]
  private let tensorIndex: [String: Int]

  /// Opens the index at `path` (a file or a folder holding one) and every shard it names; a
  /// shard stored only as `NAME.zst` is decompressed to scratch space (its tensors' paths are
  /// then the scratch file's).
  ///
  /// - Parameter verify: when `true`, throws the first of ``problems()``; when `false`, opens
  ///   what it can and leaves the problems to ``problems()``.
  /// - Throws: the index's own structural errors (see ``SafetensorsIndex/init(path:)``) always.
  public init(path: String, verify: Bool = true) throws(FormatError) {
    let index = try SafetensorsIndex(path: path)
    var shards: [SafetensorsFile] = []
    var shardNames: [String] = []
    var problems: [FormatError] = []
    var holders: [String: [String]] = [:]
    for shard in index.shards {
      let shardPath = index.path(ofShard: shard)
      do {
        let file = try SafetensorsFile(file: try Zstd.mapPlainOrCompressed(shardPath).file)
        shards.append(file)
        shardNames.append(shard)
        for entry in file.tensors { holders[entry.name, default: []].append(shard) }
      } catch  where error.kind == .notFound {
        problems.append(
          FormatError(
            .indexMissingShard, path: index.path, name: shard,
            "shard \"\(shard)\" named in weight_map does not exist (neither \(shardPath) nor"
              + " \(shardPath).zst)"))
      } catch {
        problems.append(error)
      }
    }
    let opened = Set(shardNames)
    for (tensor, shard) in index.weightMap where opened.contains(shard) {
      let holding = holders[tensor] ?? []
      if holding.isEmpty {
        problems.append(
          FormatError(
            .indexTensorMissing, path: index.path(ofShard: shard), name: tensor,
            "tensor \"\(tensor)\" is mapped to \(shard) but no shard holds it"))
      }
    }
    for (shard, file) in zip(shardNames, shards) {
      for entry in file.tensors {
        switch index.shard(for: entry.name) {
        case nil:
          problems.append(
            FormatError(
              .indexUnlistedTensor, path: file.path, offset: entry.offset, name: entry.name,
              "shard \(shard) holds tensor \"\(entry.name)\", which the index does not list"))
        case let listed? where listed != shard:
          problems.append(
            FormatError(
              .indexWrongShard, path: file.path, offset: entry.offset, name: entry.name,
              "tensor \"\(entry.name)\" is mapped to \(listed) but found in \(shard)"))
        default:
          break
        }
      }
    }
    let tensors = shards.flatMap(\.tensors)
    if let totalSize = index.totalSize, shards.count == index.shards.count {
      let sum = tensors.reduce(0) { $0 + $1.byteCount }
      if sum != totalSize {
        problems.append(
          FormatError(
            .indexTotalSizeMismatch, path: index.path, name: "total_size",
            "metadata.total_size is \(totalSize), the shards hold \(sum) bytes of tensor data"))
      }
    }
    if verify, let first = problems.first { throw first }
    var tensorIndex: [String: Int] = [:]
    for (position, entry) in tensors.enumerated() where tensorIndex[entry.name] == nil {
      tensorIndex[entry.name] = position
    }
    self.index = index
    self.shards = shards
    self.tensors = tensors
    self.found = problems
    self.tensorIndex = tensorIndex
  }

  /// Every disagreement between the index and the shards, one error per problem.
  ///
  /// Includes shards that failed to open (their own error) and missing shards. The total size
  /// is checked only when every shard opened.
  public func problems() -> [FormatError] {
    found
  }

  /// The index's `metadata` object, if any.
  public var metadata: JSONObject? { index.metadata }

  /// The tensor called `name`; when several shards hold it, the one listed first.
  public func tensor(named name: String) -> TensorEntry? {
    tensorIndex[name].map { tensors[$0] }
  }

  /// Sum of tensor data bytes over all opened shards.
  public var totalDataBytes: Int { tensors.reduce(0) { $0 + $1.byteCount } }

  /// Elements over all opened shards.
  public var parameterCount: Int { tensors.reduce(0) { $0 + $1.elementCount } }

  /// The opened shard holding `entry`.
  public func shard(holding entry: TensorEntry) -> SafetensorsFile? {
    shards.first { $0.path == entry.path }
  }
}
