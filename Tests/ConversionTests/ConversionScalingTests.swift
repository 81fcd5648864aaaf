import Conversion
import Formats
import Foundation
import TestSupport
import Testing

/// RoPE scalings as llama.cpp's converter writes them (`fixtures/architectures/scalings.json`,
/// made by `convert_scalings.py` on the `llama` fixture with its config.json's scaling
/// replaced): the same `llama.rope.*` and context keys with the same types and values, and the
/// same generated tables (llama3's `rope_freqs.weight`).
@Suite(
  "Conversion scalings")
struct ConversionScalingTests {
  @Test(arguments: ["linear", "yarn", "llama3"])
  func sameKeysAndTables(_ variant: String) throws {
    let recorded = try #require(
      try Repository.recordedJSON("architectures/scalings.json")[variant])
    let scratch = try Scratch.folder()
    defer { Scratch.cleanUp(scratch) }
    let folder = "\(scratch)/llama"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      atPath: "\(ConversionFixtures.folder("llama"))/model.safetensors",
      toPath: "\(folder)/model.safetensors")
    var config = try #require(
      try JSONValue.parse(
        String(
          contentsOfFile: "\(ConversionFixtures.folder("llama"))/config.json", encoding: .utf8)
      ).object)
    for (key, value) in try #require(recorded["config"]?.object) { config[key] = value }
    try JSONValue.object(config).serialized(.pretty).write(
      toFile: "\(folder)/config.json", atomically: true, encoding: .utf8)

    let output = "\(scratch)/out.gguf"
    _ = try ConversionPlan(folder: folder, options: .init(type: .f32)).write(to: output)
    let file = try GGUFFile(path: output)
    let ours = Dictionary(
      uniqueKeysWithValues: file.metadata.filter {
        $0.key.hasPrefix("llama.rope") || $0.key == "llama.context_length"
      }.map { ($0.key, $0.value) })
    var theirs: [String: GGUFValue] = [:]
    for (key, entry) in try #require(recorded["keys"]?.object) {
      let value = try #require(entry["value"])
      switch entry["type"]?.string {
      case "UINT32": theirs[key] = .uint32(UInt32(try #require(value.number?.int)))
      case "FLOAT32": theirs[key] = .float32(Float(try #require(value.number?.double)))
      case "STRING": theirs[key] = .string(try #require(value.string))
      default: Issue.record("\(key): unexpected type")
      }
    }
    #expect(ours == theirs, "\(variant)")
    for (name, values) in try #require(recorded["tensors"]?.object) {
      let tensor = try #require(file.tensors.first { $0.name == name }, "\(name) missing")
      let stored = file.file.withUnsafeBytes(in: tensor.byteRange) { raw in
        (0..<(raw.count / 4)).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
      }
      #expect(stored == (values.array ?? []).map { Float($0.number?.double ?? .nan) }, "\(name)")
    }
    #expect(
      Set(file.tensors.map(\.name).filter { $0.hasPrefix("rope_") })
        == Set(recorded["tensors"]?.object?.keys ?? []))
  }
}
