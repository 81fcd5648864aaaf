import Formats
import Models
import Patching
import RoPE
import TestSupport
import Testing

/// Stamp → read back → the same scaling, on copies of the committed fixtures.
@Suite("Stamp round trips")
struct RoundTripTests {
  static let requests: [StampRequest] = [
    StampRequest(method: .yarn, factor: 4),
    StampRequest(method: .yarn, factor: 2.5, betaFast: 16, betaSlow: 2, attentionFactor: 1.2),
    StampRequest(method: .linear, factor: 2),
  ]

  @Test(arguments: requests)
  func huggingFaceFolderInPlace(_ request: StampRequest) throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let model = try Scratch.copy("hf/tiny-llama", into: folder)
    let plan = try StampPlan(path: model, request: request)
    try plan.execute(.inPlace)
    let config = try #require(
      try JSONValue.parse(
        String(decoding: try Scratch.bytes("\(model)/config.json"), as: UTF8.self)
      )
      .object)
    let reread = try RoPESettings(huggingFace: config, path: model)
    #expect(reread.sameScaling(as: plan.after))
    #expect(reread.originalContextLength == 2048)
    #expect(
      try Scratch.bytes("\(model)/model.safetensors")
        == Scratch.bytes(Repository.fixture("hf/tiny-llama/model.safetensors")))
  }

  /// Byte-identical outside the two changed members, key order kept.
  @Test func huggingFaceExactBytes() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let model = try Scratch.copy("hf/tiny-llama", into: folder)
    try StampPlan(path: model, request: StampRequest(method: .yarn, factor: 4)).execute(
      .path("\(folder)/stamped"))
    let original = String(
      decoding: try Scratch.bytes(Repository.fixture("hf/tiny-llama/config.json")), as: UTF8.self)
    let expected =
      original
      .replacing("\"max_position_embeddings\": 2048,", with: "\"max_position_embeddings\": 8192,")
      .replacing(
        "\"rope_scaling\": null,",
        with: """
          "rope_scaling": {
              "factor": 4.0,
              "original_max_position_embeddings": 2048,
              "rope_type": "yarn"
            },
          """)
    let written = String(
      decoding: try Scratch.bytes("\(folder)/stamped/config.json"), as: UTF8.self)
    #expect(written == expected)
    #expect(
      try Scratch.bytes("\(folder)/stamped/model.safetensors")
        == Scratch.bytes(Repository.fixture("hf/tiny-llama/model.safetensors")))
    #expect(
      try Scratch.bytes("\(model)/config.json")
        == Scratch.bytes(Repository.fixture("hf/tiny-llama/config.json")))
  }

  @Test(arguments: requests)
  func safetensorsFile(_ request: StampRequest) throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let input = try Scratch.copy("safetensors/dtypes.safetensors", into: folder)
    var request = request
    request.originalContextLength = 4096
    let plan = try StampPlan(path: input, request: request)
    let output = "\(folder)/out.safetensors"
    try plan.execute(.path(output))
    let written = try SafetensorsFile(path: output)
    let reread = try RoPESettings(safetensorsMetadata: written.metadata, path: output)
    #expect(reread.sameScaling(as: plan.after))
    let original = try SafetensorsFile(path: input)
    #expect(written.metadata?.prefix(2).map(\.key) == ["format", "note"])
    #expect(written.tensors.map(\.name) == original.tensors.map(\.name))
    for (new, old) in zip(written.tensors, original.tensors) {
      #expect(written.withBytes(of: new, Array.init) == original.withBytes(of: old, Array.init))
    }
    #expect(
      try Scratch.bytes(input)
        == Scratch.bytes(Repository.fixture("safetensors/dtypes.safetensors")))
  }

  @Test(arguments: requests)
  func ggufFile(_ request: StampRequest) throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let input = try Scratch.copy("gguf/tiny-llama.gguf", into: folder)
    let plan = try StampPlan(path: input, request: request)
    try plan.execute(.inPlace)
    let written = try GGUFFile(path: input)
    let reread = try RoPESettings(gguf: written)
    #expect(reread.sameScaling(as: plan.after))
    let original = try GGUFFile(path: Repository.fixture("gguf/tiny-llama.gguf"))
    #expect(written.tensors.count == original.tensors.count)
    for (new, old) in zip(written.tensors, original.tensors) {
      #expect(written.file.bytes(in: new.byteRange) == original.file.bytes(in: old.byteRange))
    }
    let untouched = original.metadata.filter { $0.key != "llama.context_length" }
    for entry in untouched { #expect(written.metadata(entry.key) == entry.value) }
  }

  /// The exact keys and types for YaRN ×4 from 2048, in llama.cpp's names.
  @Test func ggufExactKeys() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let input = try Scratch.copy("gguf/tiny-llama.gguf", into: folder)
    let output = "\(folder)/yarn.gguf"
    try StampPlan(path: input, request: StampRequest(method: .yarn, factor: 4)).execute(
      .path(output))
    let written = try GGUFFile(path: output)
    let original = try GGUFFile(path: input)
    let added = written.metadata.filter { entry in original.metadata(entry.key) == nil }
    #expect(
      added.map(\.key) == [
        "llama.rope.scaling.type", "llama.rope.scaling.factor",
        "llama.rope.scaling.original_context_length",
      ])
    #expect(added.map(\.value) == [.string("yarn"), .float32(4), .uint32(2048)])
    #expect(written.metadata("llama.context_length") == .uint32(8192))
    // New keys sit after the last llama.* key, before general.file_type.
    let keys = written.metadata.map(\.key)
    #expect(
      keys.firstIndex(of: "llama.rope.scaling.type")
        == keys.firstIndex(of: "llama.vocab_size").map { $0 + 1 })
  }

  @Test func restampWithReplace() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let input = try Scratch.copy("gguf/tiny-llama.gguf", into: folder)
    try StampPlan(
      path: input, request: StampRequest(method: .yarn, factor: 4, attentionFactor: 1.2)
    ).execute(.inPlace)
    let refused = #expect(throws: PatchError.self) {
      try StampPlan(path: input, request: StampRequest(method: .linear, factor: 8))
    }
    #expect(refused?.kind == .conflict)
    let plan = try StampPlan(
      path: input, request: StampRequest(method: .yarn, factor: 8, replace: true))
    #expect(plan.after.originalContextLength == 2048)
    #expect(plan.after.contextLength == 16384)
    try plan.execute(.inPlace)
    let written = try GGUFFile(path: input)
    #expect(written.metadata("llama.rope.scaling.attn_factor") == nil)
    #expect(written.metadata("llama.rope.scaling.yarn_attn_factor") == nil)
    #expect(try RoPESettings(gguf: written).scaling == .yarn(factor: 8))
  }

  @Test func sameStampTwiceIsEmpty() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let model = try Scratch.copy("hf/tiny-llama", into: folder)
    try StampPlan(path: model, request: StampRequest(method: .yarn, factor: 4)).execute(.inPlace)
    let again = try StampPlan(path: model, request: StampRequest(method: .yarn, factor: 4))
    #expect(again.isEmpty)
    #expect(again.diff == "")
  }

  @Test func ggufRefusesWhatItCannotExpress() throws {
    let input = Repository.fixture("gguf/tiny-llama.gguf")
    let error = #expect(throws: PatchError.self) {
      try StampPlan(path: input, request: StampRequest(method: .llama3, factor: 8))
    }
    #expect(error?.kind == .unsupported)
    #expect(
      error?.message
        == "GGUF cannot express this scaling: llama3 scaling needs the rope_freqs.weight tensor"
        + " (θ_i / inv_freq_i), which GGUF keys cannot hold; writing it arrives with --tables")
  }
}

extension StampRequest: CustomTestStringConvertible {
  public var testDescription: String { "\(method.rawValue) ×\(factor)" }
}
