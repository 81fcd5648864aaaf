import Formats
import Models
import Foundation
import Patching
import RoPE
import Tensors
import TestSupport
import Testing

/// phi3 LongRoPE: stamped into a GGUF as convert_hf_to_gguf.py writes it (fixtures/phi3,
/// `converted-longrope.json`), into Hugging Face configs of both eras, read back, restamped as
/// a no-op, replaced, and every malformed form refused with its key named.
@Suite("LongRoPE")
struct LongRoPETests {
  /// The factors of fixtures/phi3/longrope-128k.json, as the config writes them.
  static let short = [1.0, 1.02, 1.05, 1.0800000429153442, 1.1, 1.25, 1.5, 2.0]
  static let long = [1.0, 1.1, 1.3, 2.5, 4.75, 9.999999, 16.0, 23.5]

  static var configSettings: RoPESettings {
    get throws {
      try RoPESource(path: Repository.fixture("phi3/longrope-128k.json")).settings
    }
  }

  static var fromConfig: StampRequest {
    get throws {
      try StampRequest(stamping: try configSettings, path: "longrope-128k.json")
    }
  }

  static func json(_ relative: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: Repository.fixture(relative)))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  @Test func configDeclaresLongRoPE() throws {
    let settings = try Self.configSettings
    #expect(settings.scaling == .longRoPE(shortFactors: Self.short, longFactors: Self.long))
    #expect(settings.contextLength == 131_072 && settings.originalContextLength == 4096)
    let request = try Self.fromConfig
    #expect(request.method == .longrope && request.derivesFactor)
    #expect(request.shortFactors == Self.short && request.longFactors == Self.long)
  }

  /// Every phi3.* key and both tensors equal convert_hf_to_gguf.py's output for the same
  /// config; every other tensor keeps its bytes; the file reads back as the config's LongRoPE.
  @Test func ggufEqualsTheConverter() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let output = "\(folder)/longrope.gguf"
    let plan = try StampPlan(path: Repository.fixture("phi3/tiny-phi3.gguf"), request: Self.fromConfig)
    #expect(
      plan.tensorChanges.map(\.summary) == [
        "+ tensor rope_factors_long.weight F32 [8]", "+ tensor rope_factors_short.weight F32 [8]",
      ])
    _ = try plan.execute(.path(output))
    let file = try GGUFFile(path: output)
    let reference = try Self.json("phi3/converted-longrope.json")
    let keys = try #require(reference["keys"] as? [String: [String: Any]])
    let written = file.metadata.filter { $0.key.hasPrefix("phi3.") }
    #expect(Set(written.map(\.key)) == Set(keys.keys))
    for (key, entry) in keys {
      let value = try #require(file.metadata(key), "\(key) missing")
      switch entry["type"] as? String {
      case "UINT32":
        #expect(value == .uint32(UInt32(try #require(entry["value"] as? Int))), "\(key)")
      case "FLOAT32":
        // The JSON holds the F32 value exactly (a double converted from it).
        let expected = Float(try #require(entry["value"] as? Double))
        guard case .float32(let found) = value else {
          Issue.record("\(key) is \(value.typeName)")
          continue
        }
        #expect(found.bitPattern == expected.bitPattern, "\(key): \(found) vs \(expected)")
      default:
        Issue.record("unexpected type in the reference for \(key)")
      }
    }
    let tensors = try #require(reference["tensors"] as? [String: [String: Any]])
    for (name, entry) in tensors {
      let tensor = try #require(file.tensors.first { $0.name == name })
      #expect(tensor.dtype == .f32 && tensor.shape == [8])
      let bits = TablesTests.floats(file.file.bytes(in: tensor.byteRange)).map {
        String($0.bitPattern, radix: 16).leftPadded(to: 8)
      }
      #expect(bits == entry["f32_bits"] as? [String], "\(name)")
    }
    let original = try GGUFFile(path: Repository.fixture("phi3/tiny-phi3.gguf"))
    for entry in original.tensors {
      let copy = try #require(file.tensors.first { $0.name == entry.name })
      #expect(file.file.bytes(in: copy.byteRange) == original.file.bytes(in: entry.byteRange))
    }
    let reread = try RoPESettings(gguf: file)
    // F32 factors read back as the decimals they were written from.
    #expect(
      reread.scaling
        == .longRoPE(
          shortFactors: Self.short.map { GGUFLongRoPETables.decimal(Float($0)) },
          longFactors: Self.long))
    #expect(reread.summary == "longrope ×32 (original 4096 → 131072)")
    #expect(reread.longRoPEAttentionFactor.map(Float.init) == Float(1.190238118171692))
    #expect(BakedRoPECheck(path: output).problems.isEmpty)
    // Restamping what the file holds, from the config or as `tables`, changes nothing.
    #expect(try StampPlan(path: output, request: Self.fromConfig).isEmpty)
    let tables = try StampRequest(restamping: reread, path: output)
    #expect(try StampPlan(path: output, request: tables).isEmpty)
  }

  @Test func differentFactorsNeedReplace() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let output = "\(folder)/longrope.gguf"
    _ = try StampPlan(path: Repository.fixture("phi3/tiny-phi3.gguf"), request: Self.fromConfig)
      .execute(.path(output))
    var other = try Self.fromConfig
    other.longFactors[7] = 30
    let error = #expect(throws: PatchError.self) { try StampPlan(path: output, request: other) }
    #expect(error?.kind == .conflict)
    other.replace = true
    let plan = try StampPlan(path: output, request: other)
    #expect(
      plan.tensorChanges.map(\.summary) == [
        "~ tensor rope_factors_long.weight F32 [8] (new values)"
      ])
    // YaRN in place of LongRoPE: the tensors and the attention factor go.
    var yarn = StampRequest(method: .yarn, factor: 2, replace: true)
    yarn.originalContextLength = 4096
    let replaced = try StampPlan(path: output, request: yarn)
    #expect(
      replaced.tensorChanges.map(\.summary) == [
        "- tensor rope_factors_long.weight", "- tensor rope_factors_short.weight",
      ])
    #expect(
      replaced.changes.contains { $0.key == "phi3.rope.scaling.attn_factor" && $0.after == nil })
  }

  /// `--rope longrope` with explicit lists and a stated context.
  @Test func explicitFactorsAndAttentionFactor() throws {
    var request = StampRequest(method: .longrope, factor: 1, contextLength: 16384)
    request.derivesFactor = true
    request.shortFactors = Self.short
    request.longFactors = Self.long
    request.attentionFactor = 1.5
    let plan = try StampPlan(path: Repository.fixture("phi3/tiny-phi3.gguf"), request: request)
    #expect(plan.after.summary == "longrope ×4 (original 4096 → 16384)")
    #expect(
      plan.changes.map { "\($0.key)=\($0.after ?? "-")" } == [
        "phi3.context_length=UINT32 16384", "phi3.rope.scaling.attn_factor=FLOAT32 1.5",
      ])
  }

  @Test func refusals() throws {
    var request = try Self.fromConfig
    request.shortFactors.removeLast()
    var error = #expect(throws: PatchError.self) { try request.validate() }
    #expect(error?.key == "--long-factors")
    #expect(error?.message.contains("--long-factors has 8 values and --short-factors 7") == true)
    // Seven factors each for eight pairs: the model's geometry decides.
    request.longFactors.removeLast()
    error = #expect(throws: PatchError.self) {
      try StampPlan(path: Repository.fixture("phi3/tiny-phi3.gguf"), request: request)
    }
    #expect(error?.message.contains("short_factor") == true)
    #expect(error?.message.contains("8") == true)
    // qwen2's llama.cpp graph reads no factor tensors.
    error = #expect(throws: PatchError.self) {
      try StampPlan(path: Repository.fixture("phi3/wrong/qwen2.gguf"), request: try Self.fromConfig)
    }
    #expect(error?.kind == .unsupported)
    #expect(error?.message.contains("llama.cpp's qwen2 graph does not read") == true)
    // Factors only with LongRoPE, and no folding.
    var yarn = StampRequest(method: .yarn, factor: 4)
    yarn.longFactors = Self.long
    #expect(throws: PatchError.self) { try yarn.validate() }
    var folded = try Self.fromConfig
    folded.tables = true
    folded.bakeAttention = true
    error = #expect(throws: PatchError.self) { try folded.validate() }
    #expect(error?.key == "--bake-attention")
  }

  @Test(arguments: [
    ("long-only.gguf", "rope_factors_short.weight", "LongRoPE needs both"),
    ("seven-factors.gguf", "rope_factors_short.weight", "must have shape [8]"),
    ("qwen2-factors.gguf", "rope_factors_long.weight", "llama.cpp's qwen2 graph does not read"),
  ])
  func malformedFilesAreRejected(file: String, key: String, message: String) throws {
    let path = Repository.fixture("phi3/wrong/\(file)")
    let error = #expect(throws: PatchError.self) { try RoPESource(path: path) }
    #expect(error?.key == key)
    #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    let problems = BakedRoPECheck(path: path).problems
    #expect(problems.map(\.key) == [key])
  }

  @Test func readerChecksValues() throws {
    let file = try GGUFFile(path: Repository.fixture("phi3/tiny-phi3.gguf"))
    var metadata: [String: GGUFValue] = [:]
    for entry in file.metadata { metadata[entry.key] = entry.value }
    func table(_ values: [Float]) -> GGUFLongRoPETables.Table {
      .init(dtype: .f32, shape: [values.count], values: values)
    }
    let good = table(Array(repeating: 1, count: 8))
    var bad = Array(repeating: Float(1), count: 8)
    bad[3] = 0
    let error = #expect(throws: PatchError.self) {
      try RoPESettings(
        ggufMetadata: metadata, tables: .init(short: table(bad), long: good), path: "x.gguf")
    }
    #expect(error?.key == "rope_factors_short.weight")
    #expect(error?.message.contains("found 0.0 at index 3") == true)
    let f16 = GGUFLongRoPETables.Table(dtype: .f16, shape: [8], values: nil)
    #expect(throws: PatchError.self) {
      try RoPESettings(ggufMetadata: metadata, tables: .init(short: f16, long: good), path: "x")
    }
    // The type key alone, without the tensors, would run unscaled.
    metadata["phi3.rope.scaling.type"] = .string("longrope")
    #expect(throws: PatchError.self) { try RoPESettings(ggufMetadata: metadata, path: "x") }
    // Tensors beside a runtime YaRN scaling: applied twice.
    metadata["phi3.rope.scaling.type"] = .string("yarn")
    metadata["phi3.rope.scaling.factor"] = .float32(2)
    metadata["phi3.context_length"] = .uint32(8192)
    #expect(throws: PatchError.self) {
      try RoPESettings(ggufMetadata: metadata, tables: .init(short: good, long: good), path: "x")
    }
  }

  /// config.json gets the factors in its own era; formatting elsewhere is kept.
  @Test(arguments: ["phi3/hf", "phi3/hf-v5"])
  func huggingFaceFolder(fixture: String) throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let copy = try Scratch.copy(fixture, into: folder)
    let plan = try StampPlan(path: copy, request: Self.fromConfig)
    _ = try plan.execute(.inPlace)
    // Read with json-c (Foundation's parser rounds 1.0800000429153442 to a neighbour).
    let text = String(decoding: try Scratch.bytes("\(copy)/config.json"), as: UTF8.self)
    let config = try #require(try JSONValue.parse(text, path: copy).object)
    #expect(config["max_position_embeddings"] == .integer(131_072))
    #expect(config["original_max_position_embeddings"] == .integer(4096))
    let isV5 = fixture.hasSuffix("v5")
    let dict = try #require(config[isV5 ? "rope_parameters" : "rope_scaling"]?.object)
    #expect(dict["rope_type"] == .string("longrope"))
    #expect(dict["short_factor"]?.array?.map { $0.number?.double } == Self.short)
    #expect(dict["long_factor"]?.array?.map { $0.number?.double } == Self.long)
    #expect(dict["factor"] == nil && dict["attention_factor"] == nil)
    // The original length stays top-level only, as in Phi-3's configs.
    #expect(dict["original_max_position_embeddings"] == nil)
    if isV5 {
      #expect(dict["rope_theta"] == .double(10_000))
      #expect(config["rope_scaling"] == nil)
    } else {
      #expect(config["rope_parameters"] == nil)
    }
    let reread = try RoPESource(path: copy).settings
    #expect(reread.scaling == .longRoPE(shortFactors: Self.short, longFactors: Self.long))
    // Weights untouched; restamping is a no-op; `tables` keeps the factors in config.json.
    #expect(
      try Scratch.bytes("\(copy)/model.safetensors")
        == Scratch.bytes(Repository.fixture("\(fixture)/model.safetensors")))
    #expect(try StampPlan(path: copy, request: Self.fromConfig).isEmpty)
    let tables = try StampPlan(
      path: copy, request: StampRequest(restamping: reread, path: copy))
    #expect(tables.isEmpty && tables.baked == nil)
    #expect(tables.warnings.contains { $0.contains("stay in config.json") })
  }

  /// A folder whose config.json is a Microsoft-style LongRoPE config (`"type": "longrope"`,
  /// the original length top-level only): restamping it and `tables` change nothing.
  @Test func microsoftStyleConfigIsLeftAlone() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let copy = try Scratch.copy("phi3/hf", into: folder)
    try FileManager.default.removeItem(atPath: "\(copy)/config.json")
    try FileManager.default.copyItem(
      atPath: Repository.fixture("phi3/longrope-128k.json"), toPath: "\(copy)/config.json")
    #expect(try StampPlan(path: copy, request: Self.fromConfig).isEmpty)
    let settings = try RoPESource(path: copy).settings
    #expect(
      try StampPlan(path: copy, request: StampRequest(restamping: settings, path: copy)).isEmpty)
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    String(repeating: "0", count: max(0, width - count)) + self
  }
}
