import Formats
import Foundation
import TestSupport
import Testing

/// `spindle convert --split-max-tensors / --split-max-size`: the split set llama.cpp's
/// converter writes (file names, `split.*` keys, tensors per shard, recorded in
/// fixtures/architectures/split/split.json by record_split.py), read back equal to the
/// single-file conversion, and written all or nothing.
@Suite("convert split set")
struct ConvertSplitCommandTests {
  static let llama = "fixtures/architectures/models/llama"

  /// One recorded case of split.json: llama.cpp's options and its shards.
  struct Case: CustomTestStringConvertible, Sendable {
    var name: String
    var options: [String]
    var testDescription: String { name }
  }

  static let cases = [
    Case(name: "max-tensors-5", options: ["--split-max-tensors", "5"]),
    Case(name: "max-size-20K", options: ["--split-max-size", "20K"]),
  ]

  static let splitKeys = ["split.no", "split.count", "split.tensors.count"]

  @Test(arguments: cases)
  func sameShardsAsLlamaCpp(_ split: Case) throws {
    let recorded = try #require(
      try Repository.recordedJSON("architectures/split/split.json")[split.name])
    #expect(recorded["options"]?.array?.compactMap(\.string) == split.options)
    let shards = try #require(recorded["shards"]?.array)
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let single = "\(folder)/single/llama.gguf"
    try FileManager.default.createDirectory(
      atPath: "\(folder)/single", withIntermediateDirectories: false)
    #expect(
      try SpindleProcess.run(
        "convert", Self.llama, "-o", single, "--dtype", "f32", "--quiet"
      ).status == 0)
    let result = try SpindleProcess.run(
      ["convert", Self.llama, "-o", "\(folder)/llama.gguf", "--dtype", "f32", "--quiet"]
        + split.options)
    #expect(result.status == 0, "\(result.stderr)")
    let names = shards.compactMap { $0["name"]?.string }
    #expect(try Scratch.list(folder) == names + ["single"])
    #expect(
      result.stdout.hasPrefix(
        "\(names.count) shards: "
          + names.map { "\(folder)/\($0)" }.joined(separator: ", ") + "\n"
          + "\(folder)/\(names[0]): "))

    for (number, recordedShard) in shards.enumerated() {
      let file = try GGUFFile(path: "\(folder)/\(names[number])")
      let keys = file.metadata.map(\.key)
      for key in Self.splitKeys {
        #expect(
          file.metadata(key)?.integer == recordedShard["split"]?[key]?.number?.int,
          "\(names[number]) \(key)")
      }
      #expect(file.metadata("split.no")?.typeName == "UINT16")
      #expect(file.metadata("split.count")?.typeName == "UINT16")
      #expect(file.metadata("split.tensors.count")?.typeName == "INT32")
      // Later shards carry the split keys only; the first ends with them, as gguf-py writes.
      let recordedKeys = recordedShard["keys"]?.array?.compactMap(\.string) ?? []
      if number == 0 {
        #expect(Array(keys.suffix(3)) == Self.splitKeys)
        #expect(Array(recordedKeys.suffix(3)) == Self.splitKeys)
      } else {
        #expect(keys == recordedKeys)
      }
      #expect(
        file.tensors.map(\.name) == recordedShard["tensors"]?.array?.compactMap(\.string),
        "\(names[number])")
      #expect(
        file.tensors.map(\.byteCount)
          == recordedShard["tensor_bytes"]?.array?.compactMap { $0.number?.int })
    }

    // The set reads back as the single file: same metadata (split keys aside), same tensors.
    let set = try GGUFSplitSet(path: "\(folder)/\(names[1])")
    #expect(set.problems().isEmpty)
    let whole = try GGUFFile(path: single)
    #expect(
      set.metadata.filter { !$0.key.hasPrefix("split.") }.map { [$0.key: $0.value] }
        == whole.metadata.map { [$0.key: $0.value] })
    #expect(set.tensors.map(\.name) == whole.tensors.map(\.name))
    #expect(set.tensors.map(\.dtype) == whole.tensors.map(\.dtype))
    #expect(set.tensors.map(\.shape) == whole.tensors.map(\.shape))
    let wholeBytes = try Scratch.bytes(single)
    var shardBytes: [String: [UInt8]] = [:]
    for tensor in set.tensors {
      if shardBytes[tensor.path] == nil { shardBytes[tensor.path] = try Scratch.bytes(tensor.path) }
      let original = try #require(whole.tensors.first { $0.name == tensor.name })
      #expect(
        shardBytes[tensor.path]?[tensor.byteRange] == wholeBytes[original.byteRange][...],
        "\(tensor.name)")
    }
    #expect(try SpindleProcess.run("validate", "\(folder)/\(names[0])").status == 0)
  }

  /// `--dry-run --json` lists the shards and writes nothing.
  @Test func dryRunShowsTheShardPlan() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let text = try SpindleProcess.run(
      "convert", Self.llama, "-o", "\(folder)/m.gguf", "--dtype", "f32", "--split-max-size",
      "20K", "--dry-run")
    #expect(text.status == 0, "\(text.stderr)")
    let lines = text.stdout.split(separator: "\n").map(String.init)
    #expect(lines.filter { !$0.hasPrefix("  ") }.count == 1 + 12)
    #expect(lines[1] == "\(folder)/m-00001-of-00012.gguf: 1 tensors (20,480 bytes)")
    #expect(lines.last == "  output_norm.weight  F32 [64]  ← model.norm.weight (F32, copy)")
    let json = try SpindleProcess.run(
      "convert", Self.llama, "-o", "\(folder)/m.gguf", "--dtype", "f32", "--split-max-tensors",
      "5", "--dry-run", "--json")
    #expect(json.status == 0, "\(json.stderr)")
    let shards = try #require(try JSONValue.parse(json.stdout)["shards"]?.array)
    #expect(shards.count == 5)
    #expect(shards[4]["path"]?.string == "\(folder)/m-00005-of-00005.gguf")
    #expect(shards[4]["tensors"]?.array == [.string("output_norm.weight")])
    #expect(shards[0]["tensor_byte_count"]?.number?.int == 20480 * 2 + 256 + 8192 * 2)
    #expect(try Scratch.list(folder) == [])
  }

  /// Limits that leave every tensor in one file write the plain output name, as llama.cpp does.
  @Test func oneShardIsThePlainFile() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let result = try SpindleProcess.run(
      "convert", Self.llama, "-o", "\(folder)/m.gguf", "--dtype", "f32", "--split-max-size", "1G",
      "--quiet")
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try Scratch.list(folder) == ["m.gguf"])
    #expect(try GGUFFile(path: "\(folder)/m.gguf").metadata("split.count") == nil)
  }

  /// A shard that cannot be renamed into place (a folder holds its name) fails the
  /// conversion after the earlier shards were renamed: they are removed again, and no
  /// temporary file stays.
  @Test func failureLeavesNoShard() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let blocker = "\(folder)/m-00003-of-00005.gguf"
    try FileManager.default.createDirectory(atPath: blocker, withIntermediateDirectories: false)
    try Scratch.write([1], to: "\(blocker)/keep")
    let result = try SpindleProcess.run(
      "convert", Self.llama, "-o", "\(folder)/m.gguf", "--dtype", "f32", "--split-max-tensors",
      "5", "--quiet")
    #expect(result.status == 1)
    #expect(result.stderr.contains(blocker), "\(result.stderr)")
    #expect(try Scratch.list(folder) == ["m-00003-of-00005.gguf"])
    #expect(try Scratch.list(blocker) == ["keep"])
  }

  @Test(
    arguments: [
      (
        ["--split-max-size", "2x"],
        "Error: The value '2x' is invalid for '--split-max-size <size>': not a size: bytes, or a"
      ),
      (["--split-max-size", "0"], "The value '0' is invalid for '--split-max-size <size>'"),
      (["--split-max-tensors", "0"], "--split-max-tensors must be at least 1, not 0"),
    ])
  func badLimitsAreUsageErrors(_ options: [String], _ message: String) throws {
    let result = try SpindleProcess.run(["convert", Self.llama, "-o", "/tmp/never.gguf"] + options)
    #expect(result.status == 64)
    #expect(result.stderr.contains(message), "\(result.stderr)")
  }
}
