import Tensors

#if canImport(Glibc)
import Glibc
#endif

/// A Hugging Face model folder: `config.json`, optional tokenizer and generation configs, and
/// safetensors weights.
///
/// Weights are found as transformers finds them: `model.safetensors` first, then
/// `model.safetensors.index.json` with its shards. Without either, the folder's other
/// `*.safetensors` files are read together as one unindexed set (tensor names must then be
/// unique across files). A folder with no safetensors file at all has `weights == nil`.
/// Every one of these files may instead be stored zstd-compressed as `NAME.zst` (the index
/// still names the plain shard names); those are decompressed to unlinked scratch files.
public struct HFModelDirectory: Sendable {
  /// How the weights are stored.
  public enum Weights: Sendable {
    /// One `model.safetensors` (or one lone `*.safetensors` file).
    case single(SafetensorsFile)
    /// An index and its shards.
    case sharded(ShardedSafetensors)
    /// Several `*.safetensors` files without an index, in file-name order.
    case unindexed([SafetensorsFile])

    /// Every tensor, across files.
    public var tensors: [TensorEntry] {
      switch self {
      case .single(let file): file.tensors
      case .sharded(let model): model.tensors
      case .unindexed(let files): files.flatMap(\.tensors)
      }
    }
  }

  /// The folder.
  public let path: String
  /// `config.json`.
  public let config: HFConfig
  /// `tokenizer_config.json`, when present.
  public let tokenizerConfig: HFConfig?
  /// `generation_config.json`, when present.
  public let generationConfig: HFConfig?
  /// The weights, or `nil` when the folder has no safetensors file.
  public let weights: Weights?

  /// Reads the configs and opens the weights in `path`.
  ///
  /// - Throws: `notFound` without `config.json`; the configs' parse errors (`invalidJSON`,
  ///   `duplicateKey`, `invalidConfig`); the weights' errors (sharded sets are verified);
  ///   `duplicateTensorName` when unindexed files share a tensor name.
  public init(path: String) throws(FormatError) {
    let folder = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    self.path = folder
    config = try HFConfig(path: "\(folder)/config.json")
    tokenizerConfig = try HFModelDirectory.optionalConfig("\(folder)/tokenizer_config.json")
    generationConfig = try HFModelDirectory.optionalConfig("\(folder)/generation_config.json")
    weights = try HFModelDirectory.findWeights(in: folder)
  }

  /// Every tensor of the weights (empty without weights).
  public var tensors: [TensorEntry] { weights?.tensors ?? [] }

  private static func optionalConfig(_ path: String) throws(FormatError) -> HFConfig? {
    guard exists(path) else { return nil }
    return try HFConfig(path: path)
  }

  private static func findWeights(in folder: String) throws(FormatError) -> Weights? {
    let single = "\(folder)/model.safetensors"
    if exists(single) || exists("\(single).zst") {
      return .single(try SafetensorsFile(file: try Zstd.mapPlainOrCompressed(single).file))
    }
    let index = "\(folder)/\(SafetensorsIndex.fileName)"
    if exists(index) || exists("\(index).zst") {
      return .sharded(try ShardedSafetensors(path: folder))
    }
    // Each file once, by its plain name: the plain form when both are there.
    let names = Set(
      try fileNames(in: folder).compactMap { name -> String? in
        if name.hasSuffix(".safetensors") { return name }
        if name.hasSuffix(".safetensors.zst") { return String(name.dropLast(4)) }
        return nil
      }
    ).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    func open(_ name: String) throws(FormatError) -> SafetensorsFile {
      try SafetensorsFile(file: try Zstd.mapPlainOrCompressed("\(folder)/\(name)").file)
    }
    switch names.count {
    case 0:
      return nil
    case 1:
      return .single(try open(names[0]))
    default:
      var files: [SafetensorsFile] = []
      var owner: [String: String] = [:]
      for name in names {
        let file = try open(name)
        for entry in file.tensors {
          if let other = owner.updateValue(name, forKey: entry.name) {
            throw FormatError(
              .duplicateTensorName, path: file.path, offset: entry.offset, name: entry.name,
              "tensor \"\(entry.name)\" is in both \(other) and \(name), and no index says which to use"
            )
          }
        }
        files.append(file)
      }
      return .unindexed(files)
    }
  }

  private static func exists(_ path: String) -> Bool {
    (try? Syscalls.pathStatus(path)).flatMap { $0 } != nil
  }

  private static func fileNames(in folder: String) throws(FormatError) -> [String] {
    do { return try Syscalls.directoryEntries(folder).filter { !$0.hasPrefix(".") } } catch {
      throw FormatError(error)
    }
  }
}
