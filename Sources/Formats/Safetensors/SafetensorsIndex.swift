import Tensors

#if canImport(Glibc)
import Glibc
#endif

/// A sharded checkpoint's `model.safetensors.index.json`: which shard holds which tensor.
///
/// Only the structure is checked here; whether the shards agree with it is
/// ``ShardedSafetensors``'s job.
public struct SafetensorsIndex: Sendable {
  /// The conventional file name.
  public static let fileName = "model.safetensors.index.json"

  /// The index file.
  public let path: String
  /// The folder shard names are relative to.
  public let folder: String
  /// The `metadata` object in file order, or `nil` when absent.
  public let metadata: JSONObject?
  /// `metadata.total_size`: the sum of tensor data bytes, when given.
  public let totalSize: Int?
  /// `weight_map` in file order: tensor name and shard file name.
  public let weightMap: [(tensor: String, shard: String)]
  /// The distinct shard file names, sorted by name.
  public let shards: [String]

  private let shardByTensor: [String: String]

  /// Reads the index at `path`, or `path/model.safetensors.index.json` when `path` is a folder
  /// (or that name plus `.zst`, decompressed, when only the compressed index is there).
  ///
  /// - Throws: `notFound`, `invalidJSON`, `duplicateKey` (from the parser), `invalidIndex`
  ///   when `weight_map` is missing or not an object of strings, `metadata` is not an object,
  ///   `total_size` is not a non-negative integer, or a shard name is unsafe
  ///   (``unsafeShardName(_:)``).
  public init(path: String) throws(FormatError) {
    var indexPath = path
    let file: MappedFile
    if let info = try? Syscalls.pathStatus(path), (info.st_mode & S_IFMT) == S_IFDIR {
      (file, indexPath) = try Zstd.mapPlainOrCompressed(
        path.hasSuffix("/") ? path + Self.fileName : "\(path)/\(Self.fileName)")
    } else {
      do { file = try MappedFile(path: indexPath) } catch { throw FormatError(error) }
    }
    let root = try file.withUnsafeBytes { bytes throws(FormatError) in
      try JSONValue.parse(bytes, path: indexPath)
    }
    func invalid(_ message: String, name: String? = nil) -> FormatError {
      FormatError(.invalidIndex, path: indexPath, name: name, message)
    }
    guard case .object(let top) = root else {
      throw invalid("the index is a JSON \(root.typeName), expected an object")
    }
    var metadata: JSONObject? = nil
    var totalSize: Int? = nil
    if let value = top["metadata"] {
      guard case .object(let object) = value else {
        throw invalid(
          "\"metadata\" is \(SafetensorsFile.article(value)), expected an object", name: "metadata")
      }
      metadata = object
      if let size = object["total_size"] {
        guard case .number(let number) = size, let integer = number.int, integer >= 0 else {
          let found = size.number?.text ?? size.typeName
          throw invalid(
            "\"total_size\" is \(found), expected a non-negative integer", name: "total_size")
        }
        totalSize = integer
      }
    }
    guard let mapValue = top["weight_map"] else {
      throw invalid("\"weight_map\" is missing", name: "weight_map")
    }
    guard case .object(let map) = mapValue else {
      throw invalid(
        "\"weight_map\" is \(SafetensorsFile.article(mapValue)), expected an object of tensor → shard file",
        name: "weight_map")
    }
    var weightMap: [(tensor: String, shard: String)] = []
    var shards: [String] = []
    var shardByTensor: [String: String] = [:]
    var known = Set<String>()
    for (tensor, value) in map {
      let shown = GGUFValue.quoted(tensor, limit: 80)
      guard case .string(let shard) = value else {
        throw invalid(
          "weight_map entry for \(shown) is \(SafetensorsFile.article(value)), expected a shard file name",
          name: shown)
      }
      if let problem = Self.unsafeShardName(shard) {
        throw invalid(
          "weight_map entry for \(shown) names \(GGUFValue.quoted(shard, limit: 80)) (\(problem)),"
            + " expected a file name inside the index's folder",
          name: shown)
      }
      weightMap.append((tensor, shard))
      shardByTensor[tensor] = shard
      if known.insert(shard).inserted { shards.append(shard) }
    }
    let (folder, _) = AtomicFileWriter.split(indexPath)
    self.path = indexPath
    self.folder = folder
    self.metadata = metadata
    self.totalSize = totalSize
    self.weightMap = weightMap
    // Shard files in name order (model-00001-of-…, model-00002-of-…), not first mention.
    self.shards = shards.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    self.shardByTensor = shardByTensor
  }

  /// Why `shard` cannot name a file inside the index's folder, or `nil` when it can: names
  /// from a file are data, so an empty, absolute or `..` path, a control character (NUL
  /// included: it would cut the path short), a component over 255 bytes or a name over 4096
  /// bytes is refused before any path is built from it.
  static func unsafeShardName(_ shard: String) -> String? {
    if shard.isEmpty { return "empty" }
    if shard.hasPrefix("/") { return "an absolute path" }
    if shard.split(separator: "/").contains("..") { return "it leaves the folder with '..'" }
    if shard.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
      return "a control character"
    }
    if shard.utf8.count > 4096 { return "\(shard.utf8.count) bytes long, the limit is 4096" }
    if shard.split(separator: "/").contains(where: { $0.utf8.count > 255 }) {
      return "a path component over 255 bytes"
    }
    return nil
  }

  /// The shard file name `tensor` is mapped to.
  public func shard(for tensor: String) -> String? {
    shardByTensor[tensor]
  }

  /// The path of shard file `name`.
  public func path(ofShard name: String) -> String {
    "\(folder)/\(name)"
  }
}
