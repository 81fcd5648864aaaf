import Formats
import Foundation
import Tensors
import TestSupport
import Testing

@Suite("GGUF split sets")
struct GGUFSplitSetTests {
  /// Writes `count` shards of `prefix` holding one I8 tensor each, with the split keys that
  /// `keys(index)` returns, and model metadata in the first.
  func writeShards(
    _ folder: String, count: Int, tensorName: (Int) -> String = { "t\($0)" },
    keys: (Int) -> [(String, GGUFValue)]
  ) throws {
    for index in 0..<count {
      var writer = try GGUFWriter(
        path: GGUFSplitSet.shardPath(prefix: folder + "/model", number: index + 1, of: count))
      if index == 0 { try writer.add("general.architecture", .string("llama")) }
      for (key, value) in keys(index) { try writer.add(key, value) }
      try writer.addTensor(
        tensorName(index), dtype: .i8, shape: [index + 1],
        data: .bytes(Array(repeating: UInt8(index), count: index + 1)))
      try writer.write()
    }
  }

  static func splitKeys(_ index: Int, count: Int = 3, total: Int32 = 3) -> [(String, GGUFValue)] {
    [
      ("split.no", .uint16(UInt16(index))), ("split.count", .uint16(UInt16(count))),
      ("split.tensors.count", .int32(total)),
    ]
  }

  @Test func namesParse() {
    #expect(GGUFSplitSet.shardPath(prefix: "/m/x", number: 2, of: 12) == "/m/x-00002-of-00012.gguf")
    #expect(GGUFSplitSet.parseName("/m/x-00002-of-00012.gguf")! == ("/m/x", 2, 12))
    #expect(GGUFSplitSet.parseName("/m/x-00013-of-00012.gguf") == nil)
    #expect(GGUFSplitSet.parseName("/m/x.gguf") == nil)
    #expect(GGUFSplitSet.parseName("/m/x-0002-of-00012.gguf") == nil)
  }

  @Test(arguments: [1, 2, 3])
  func opensFromAnyShard(number: Int) throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try writeShards(folder, count: 3) { GGUFSplitSetTests.splitKeys($0) }
    let set = try GGUFSplitSet(
      path: GGUFSplitSet.shardPath(prefix: folder + "/model", number: number, of: 3))
    #expect(set.prefix == folder + "/model")
    #expect(set.shards.count == 3)
    #expect(set.metadata("general.architecture") == .string("llama"))
    #expect(set.tensors.map(\.name) == ["t0", "t1", "t2"])
    #expect(
      set.tensors.map(\.path)
        == (1...3).map { GGUFSplitSet.shardPath(prefix: folder + "/model", number: $0, of: 3) })
    #expect(set.tensors.map(\.byteCount) == [1, 2, 3])
    #expect(set.problems().isEmpty)
  }

  @Test func missingShardIsNamed() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try writeShards(folder, count: 3) { GGUFSplitSetTests.splitKeys($0) }
    let missing = GGUFSplitSet.shardPath(prefix: folder + "/model", number: 2, of: 3)
    try FileManager.default.removeItem(atPath: missing)
    let error = #expect(throws: FormatError.self) {
      try GGUFSplitSet(path: GGUFSplitSet.shardPath(prefix: folder + "/model", number: 1, of: 3))
    }
    #expect(error?.kind == .splitMissingShard)
    #expect(error?.name == missing)
  }

  @Test(arguments: [
    ("split.no wrong", 1, "split.no"),
    ("split.count wrong", 2, "split.count"),
    ("split.tensors.count wrong", 0, "split.tensors.count"),
    ("split.no missing", 2, "split.no"),
    ("split.count as UINT32", 1, "split.count"),
  ])
  func inconsistentKeys(label: String, shard: Int, key: String) throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try writeShards(folder, count: 3) { index in
      var keys = GGUFSplitSetTests.splitKeys(index)
      guard index == shard else { return keys }
      switch label {
      case "split.no wrong": keys[0].1 = .uint16(0)
      case "split.count wrong": keys[1].1 = .uint16(4)
      case "split.tensors.count wrong": keys[2].1 = .int32(2)
      case "split.no missing": keys.remove(at: 0)
      default: keys[1].1 = .uint32(3)
      }
      return keys
    }
    let set = try GGUFSplitSet(
      path: GGUFSplitSet.shardPath(prefix: folder + "/model", number: 1, of: 3))
    let problems = set.problems()
    #expect(problems.map(\.kind) == [.splitInconsistent], "\(problems)")
    #expect(problems.first?.name == key)
    #expect(problems.first?.path == set.shards[shard].path)
  }

  @Test func duplicateTensorAcrossShards() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try writeShards(folder, count: 2, tensorName: { _ in "same" }) {
      GGUFSplitSetTests.splitKeys($0, count: 2, total: 2)
    }
    let set = try GGUFSplitSet(
      path: GGUFSplitSet.shardPath(prefix: folder + "/model", number: 1, of: 2))
    let problems = set.problems()
    #expect(problems.map(\.kind) == [.duplicateTensorName])
    #expect(problems.first?.name == "same")
    #expect(problems.first?.path == set.shards[1].path)
  }
}
