import Tensors

/// A model split by gguf-split or gguf-py into `<prefix>-00001-of-0000N.gguf` … files, seen
/// as one: the first shard's metadata and every shard's tensors.
///
/// Opening needs every shard present and readable; the `split.*` bookkeeping (which
/// llama.cpp's loader enforces) is checked by ``problems()``, so a tool can list all of it.
public struct GGUFSplitSet: Sendable {
  /// The shards in order; `shards[0]` holds the model metadata.
  public let shards: [GGUFFile]
  /// The shared part of the file names (`model` for `model-00001-of-00003.gguf`).
  public let prefix: String

  /// Opens the set that `path` (any shard) belongs to. A path without the
  /// `-%05d-of-%05d.gguf` suffix opens as a set of one file.
  public init(path: String) throws(FormatError) {
    guard let name = GGUFSplitSet.parseName(path) else {
      prefix = path
      shards = [try GGUFFile(path: path)]
      return
    }
    prefix = name.prefix
    let paths = (1...name.count).map {
      GGUFSplitSet.shardPath(prefix: name.prefix, number: $0, of: name.count)
    }
    var missing: [String] = []
    for shard in paths {
      let exists: Bool
      do { exists = try Syscalls.pathStatus(shard) != nil } catch { throw FormatError(error) }
      if !exists { missing.append(shard) }
    }
    if let first = missing.first {
      throw FormatError(
        .splitMissingShard, path: path, name: first,
        "\(missing.count) of \(name.count) shards missing: \(missing.joined(separator: ", "))")
    }
    var opened: [GGUFFile] = []
    for shard in paths { opened.append(try GGUFFile(path: shard)) }
    shards = opened
  }

  /// `<prefix>-<number>-of-<count>.gguf`, numbers 1-based and zero-padded to 5 digits.
  public static func shardPath(prefix: String, number: Int, of count: Int) -> String {
    "\(prefix)-\(fiveDigits(number))-of-\(fiveDigits(count)).gguf"
  }

  /// Splits a shard path into its prefix, 1-based number and shard count.
  public static func parseName(_ path: String) -> (prefix: String, number: Int, count: Int)? {
    let suffix = ".gguf"
    guard path.hasSuffix(suffix) else { return nil }
    let stem = Array(path.utf8.dropLast(suffix.utf8.count))
    // "-NNNNN-of-NNNNN" is 15 bytes.
    guard stem.count > 15 else { return nil }
    let tail = Array(stem.suffix(15))
    let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
    guard tail[0] == UInt8(ascii: "-"), Array(tail[6..<10]) == Array("-of-".utf8),
      tail[1..<6].allSatisfy(digits.contains), tail[10..<15].allSatisfy(digits.contains)
    else { return nil }
    let number = tail[1..<6].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    let count = tail[10..<15].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    guard count >= 1, number >= 1, number <= count else { return nil }
    return (String(decoding: stem.dropLast(15), as: UTF8.self), number, count)
  }

  static func fiveDigits(_ value: Int) -> String {
    let text = String(value)
    return String(repeating: "0", count: max(0, 5 - text.count)) + text
  }

  /// The first shard's metadata.
  public var metadata: [GGUFFile.MetadataEntry] { shards[0].metadata }

  /// The value of `key` in the first shard.
  public func metadata(_ key: String) -> GGUFValue? { shards[0].metadata(key) }

  /// Every shard's tensors in shard order, each pointing at its own file.
  public var tensors: [TensorEntry] { shards.flatMap(\.tensors) }

  /// Inconsistencies in the `split.*` keys and duplicate tensors across shards, followed by each
  /// shard's own problems.
  public func problems() -> [FormatError] {
    var found: [FormatError] = []
    let total = shards.reduce(0) { $0 + $1.tensors.count }
    if shards.count > 1 || shards[0].metadata("split.count") != nil {
      for (index, shard) in shards.enumerated() {
        found += check(shard, "split.no", .uint16(UInt16(truncatingIfNeeded: index)), "\(index)")
        found += check(
          shard, "split.count", .uint16(UInt16(truncatingIfNeeded: shards.count)), "\(shards.count)"
        )
        found += check(
          shard, "split.tensors.count", .int32(Int32(truncatingIfNeeded: total)), "\(total)")
      }
    }
    var owner: [String: String] = [:]
    for shard in shards {
      for tensor in shard.tensors {
        if let first = owner[tensor.name] {
          found.append(
            FormatError(
              .duplicateTensorName, path: shard.path, offset: tensor.offset, name: tensor.name,
              "tensor '\(tensor.name)' is also in \(first)"))
        } else {
          owner[tensor.name] = shard.path
        }
      }
    }
    return found + shards.flatMap(\.problems)
  }

  func check(_ shard: GGUFFile, _ key: String, _ expected: GGUFValue, _ text: String)
    -> [FormatError]
  {
    let entry = shard.metadata.first { $0.key == key }
    guard let entry else {
      return [
        FormatError(
          .splitInconsistent, path: shard.path, name: key,
          "\(key) is missing, expected \(expected.typeName) \(text)")
      ]
    }
    if entry.value == expected { return [] }
    return [
      FormatError(
        .splitInconsistent, path: shard.path, offset: entry.offset, name: key,
        "\(key) is \(entry.value.typeName) \(entry.value.summary()), expected \(expected.typeName) \(text)"
      )
    ]
  }
}
