import Foundation
import TestSupport
import Testing

@testable import Formats
@testable import Tensors

@Suite("Sharded safetensors")
struct ShardedSafetensorsTests {
  static let shard1 = "model-00001-of-00002.safetensors"
  static let shard2 = "model-00002-of-00002.safetensors"

  /// Writes two shards (a, b in shard 1; c in shard 2) with `shardTensors` overriding what each
  /// shard holds, and an index with `weightMap` and `totalSize`.
  static func makeSet(
    in folder: String,
    shardTensors: [String: [String]] = [shard1: ["a", "b"], shard2: ["c"]],
    weightMap: [(String, String)] = [("a", shard1), ("b", shard1), ("c", shard2)],
    totalSize: String = "28", writeShards: Set<String> = [shard1, shard2]
  ) throws {
    let sizes = ["a": 8, "b": 4, "c": 16, "x": 1]
    for (shard, names) in shardTensors where writeShards.contains(shard) {
      var writer = SafetensorsWriter(metadata: [("format", "pt")])
      for name in names {
        let count = sizes[name] ?? 1
        writer.add(
          name, dtype: .u8, shape: [count], data: .bytes([UInt8](repeating: 3, count: count)))
      }
      try writer.write(to: "\(folder)/\(shard)")
    }
    let map = weightMap.map { "\"\($0.0)\":\"\($0.1)\"" }.joined(separator: ",")
    let json =
      #"{"metadata":{"total_size":\#(totalSize),"total_parameters":28},"weight_map":{\#(map)}}"#
    try Scratch.write(Array(json.utf8), to: "\(folder)/\(SafetensorsIndex.fileName)")
  }

  @Test func opensAConsistentSet() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try Self.makeSet(in: folder)
    let model = try ShardedSafetensors(path: folder)
    #expect(model.problems().isEmpty)
    #expect(model.tensors.map(\.name) == ["a", "b", "c"])
    #expect(
      model.tensors.map { AtomicFileWriter.split($0.path).name } == [
        Self.shard1, Self.shard1, Self.shard2,
      ])
    #expect(model.index.totalSize == 28)
    #expect(model.metadata?.keys == ["total_size", "total_parameters"])
    #expect(model.index.shards == [Self.shard1, Self.shard2])
    #expect(model.tensor(named: "c")?.byteCount == 16)
    #expect(model.totalDataBytes == 28)
    let viaFile = try ShardedSafetensors(path: "\(folder)/\(SafetensorsIndex.fileName)")
    #expect(viaFile.tensors == model.tensors)
  }

  enum Defect: String, CaseIterable, Sendable {
    case missingShard, tensorMissing, unlistedTensor, wrongShard, totalSize
  }

  /// Each inconsistency is reported with its kind and the tensor or shard concerned.
  @Test(arguments: [
    (Defect.missingShard, FormatError.Kind.indexMissingShard, shard2),
    (.tensorMissing, .indexTensorMissing, "b"),
    (.unlistedTensor, .indexUnlistedTensor, "x"),
    (.wrongShard, .indexWrongShard, "b"),
    (.totalSize, .indexTotalSizeMismatch, "total_size"),
  ])
  func reportsInconsistency(_ defect: Defect, kind: FormatError.Kind, name: String) throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    switch defect {
    case .missingShard: try Self.makeSet(in: folder, writeShards: [Self.shard1])
    case .tensorMissing:
      try Self.makeSet(
        in: folder, shardTensors: [Self.shard1: ["a"], Self.shard2: ["c"]], totalSize: "24")
    case .unlistedTensor:
      try Self.makeSet(
        in: folder, shardTensors: [Self.shard1: ["a", "b", "x"], Self.shard2: ["c"]],
        totalSize: "29")
    case .wrongShard:
      try Self.makeSet(in: folder, shardTensors: [Self.shard1: ["a"], Self.shard2: ["b", "c"]])
    case .totalSize: try Self.makeSet(in: folder, totalSize: "30")
    }
    let model = try ShardedSafetensors(path: folder, verify: false)
    let problems = model.problems()
    #expect(problems.map(\.kind) == [kind], "\(problems)")
    #expect(problems.first?.name == name)
    let error = #expect(throws: FormatError.self) { try ShardedSafetensors(path: folder) }
    #expect(error?.kind == kind)
    if defect == .totalSize {
      #expect(
        problems.first?.message.contains("30") == true
          && problems.first?.message.contains("28") == true)
    }
  }

  @Test func listsEveryProblemAtOnce() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try Self.makeSet(
      in: folder, shardTensors: [Self.shard1: ["a", "x"]],
      weightMap: [("a", Self.shard1), ("b", Self.shard1), ("c", Self.shard2)])
    let problems = try ShardedSafetensors(path: folder, verify: false).problems()
    #expect(
      problems.map(\.kind) == [.indexMissingShard, .indexTensorMissing, .indexUnlistedTensor])
    #expect(problems.map(\.name) == [Self.shard2, "b", "x"])
  }

  @Test func aBrokenShardReportsItsOwnError() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try Self.makeSet(in: folder, writeShards: [Self.shard1])
    try Scratch.write(
      Array("version https://git-lfs.github.com/spec/v1\n".utf8), to: "\(folder)/\(Self.shard2)")
    let problems = try ShardedSafetensors(path: folder, verify: false).problems()
    #expect(problems.map(\.kind) == [.gitLFSPointer])
  }

  @Test(arguments: [
    #"[]"#,
    #"{"metadata":{}}"#,
    #"{"weight_map":[]}"#,
    #"{"weight_map":{"a":1}}"#,
    #"{"metadata":[],"weight_map":{}}"#,
    #"{"metadata":{"total_size":-1},"weight_map":{}}"#,
    #"{"metadata":{"total_size":"28"},"weight_map":{}}"#,
    #"{"metadata":{"total_size":2.5},"weight_map":{}}"#,
    #"{"weight_map":{"a":"../outside.safetensors"}}"#,
    #"{"weight_map":{"a":"/etc/x.safetensors"}}"#,
  ])
  func rejectsMalformedIndex(json: String) throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try Scratch.write(Array(json.utf8), to: "\(folder)/\(SafetensorsIndex.fileName)")
    let error = #expect(throws: FormatError.self) { try SafetensorsIndex(path: folder) }
    #expect(error?.kind == .invalidIndex, "\(String(describing: error))")
  }

  @Test func duplicateIndexKeysAreReported() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try Scratch.write(
      Array(#"{"weight_map":{"a":"s1.safetensors","a":"s2.safetensors"}}"#.utf8),
      to: "\(folder)/\(SafetensorsIndex.fileName)")
    let error = #expect(throws: FormatError.self) { try SafetensorsIndex(path: folder) }
    #expect(error?.kind == .duplicateKey)
    #expect(error?.name == "a")
  }
}
