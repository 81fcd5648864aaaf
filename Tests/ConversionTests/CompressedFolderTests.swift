import Conversion
import Formats
import Foundation
import Tensors
import TestSupport
import Testing

/// Issue 12's "plain or zstd-compressed files": a Hugging Face folder whose safetensors (one
/// file, or shards and their index) are stored as `NAME.zst` converts to the same GGUF bytes as
/// the plain folder.
@Suite("Conversion of compressed folders")
struct CompressedFolderTests {
  /// What is compressed in the folder.
  enum Layout: String, CaseIterable, CustomTestStringConvertible {
    /// `model.safetensors.zst` alone.
    case single
    /// `model-0000N-of-00007.safetensors.zst`, the index plain (naming the plain shards).
    case shards
    /// The shards and `model.safetensors.index.json.zst`.
    case shardsAndIndex

    var testDescription: String { rawValue }
  }

  /// The llama fixture in `scratch/llama`: config, tokenizer and its F32 weights, as one file
  /// or in 7 shards with their index (the weights of `HuggingFaceExport`, which are the
  /// folder's own bit for bit).
  static func folder(_ layout: Layout, in scratch: String) throws -> (String, [String]) {
    let original = ConversionFixtures.folder("llama")
    let folder = "\(scratch)/llama"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
    for name in [
      "config.json", "generation_config.json", "tokenizer.model", "tokenizer_config.json",
    ] {
      try FileManager.default.copyItem(atPath: "\(original)/\(name)", toPath: "\(folder)/\(name)")
    }
    guard layout != .single else {
      try FileManager.default.copyItem(
        atPath: "\(original)/model.safetensors", toPath: "\(folder)/model.safetensors")
      return (folder, ["model.safetensors"])
    }
    let export = try HuggingFaceExport(
      gguf: ConversionFixtures.reference("llama", .f32),
      options: .init(type: .f32, shardSize: 40_000))
    _ = try export.write(to: "\(scratch)/export")
    var weights = export.shardNames
    if layout == .shardsAndIndex { weights.append(SafetensorsIndex.fileName) }
    for name in export.shardNames + [SafetensorsIndex.fileName] {
      try FileManager.default.moveItem(
        atPath: "\(scratch)/export/\(name)", toPath: "\(folder)/\(name)")
    }
    return (folder, weights)
  }

  /// Replaces each of `names` in `folder` by `NAME.zst`.
  static func compress(_ names: [String], in folder: String) throws {
    for name in names {
      let writer = try AtomicFileWriter(destination: "\(folder)/\(name).zst")
      try Zstd.compress(try MappedFile(path: "\(folder)/\(name)"), into: writer, level: 3)
      try writer.commit()
      try FileManager.default.removeItem(atPath: "\(folder)/\(name)")
    }
  }

  static func convert(_ folder: String, to output: String) throws -> Data {
    let plan = try ConversionPlan(folder: folder, options: .init(type: .f16))
    _ = try plan.write(to: output)
    return try #require(FileManager.default.contents(atPath: output))
  }

  @Test(
    "a folder of .zst weights converts to the plain folder's GGUF bytes", arguments: Layout.allCases
  )
  func sameBytes(layout: Layout) throws {
    let scratch = try Scratch.folder("compressed-\(layout.rawValue)")
    defer { Scratch.cleanUp(scratch) }
    let (folder, weights) = try Self.folder(layout, in: scratch)
    // The same folder path both times: the provenance record names it.
    let plain = try Self.convert(folder, to: "\(scratch)/plain.gguf")
    try Self.compress(weights, in: folder)
    let listing = try FileManager.default.contentsOfDirectory(atPath: folder)
    #expect(!listing.contains { $0.hasSuffix(".safetensors") })
    #expect(listing.filter { $0.hasSuffix(".zst") }.count == weights.count)
    let compressed = try Self.convert(folder, to: "\(scratch)/compressed.gguf")
    #expect(compressed.count == plain.count)
    #expect(compressed == plain)
  }

  @Test("a shard in neither form is named with both of its paths")
  func missingShard() throws {
    let scratch = try Scratch.folder()
    defer { Scratch.cleanUp(scratch) }
    let (folder, weights) = try Self.folder(.shards, in: scratch)
    try Self.compress(weights, in: folder)
    let missing = "model-00003-of-00007.safetensors"
    try FileManager.default.removeItem(atPath: "\(folder)/\(missing).zst")
    let error = try #require(throws: ConversionError.self) {
      try ConversionPlan(folder: folder, options: .init(type: .f16))
    }
    #expect(
      error.description
        == "\(folder)/model.safetensors.index.json: shard \"\(missing)\" named in weight_map does"
        + " not exist (neither \(folder)/\(missing) nor \(folder)/\(missing).zst) [indexMissingShard]"
    )
  }
}
