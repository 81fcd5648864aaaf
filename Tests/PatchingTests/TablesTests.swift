import Formats
import Foundation
import Models
import Patching
import RoPE
import Tensors
import TestSupport
import Testing

/// `stamp --tables` / `spindle tables`: the table bytes, the keys, the record, portable mode,
/// the refusals, and the check that catches stale or contradictory tables.
@Suite("Baked RoPE tables")
struct TablesTests {
  static let yarn4Tables: StampRequest = {
    var request = StampRequest(method: .yarn, factor: 4)
    request.tables = true
    return request
  }()

  static var portable: StampRequest {
    var request = yarn4Tables
    request.bakeAttention = true
    return request
  }

  /// YaRN ×4 from 2048 on tiny-llama (head 16, θ 10000): pairs 0-2 kept, 3-5 on the ramp at
  /// 1/4, 1/2, 3/4, 6-7 interpolated; θ_i / inv_i = 1 / (r/4 + 1 - r).
  static let tinyFrequencyFactors: [Float] = [
    1, 1, 1, Float(1 / 0.8125), 1.6, Float(1 / 0.4375), 4, 4,
  ]

  static func floats(_ bytes: [UInt8]) -> [Float] {
    stride(from: 0, to: bytes.count, by: 4).map { offset in
      Float(
        bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
          | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24)
    }
  }

  static func baked(_ request: StampRequest, in folder: String, name: String = "baked.gguf")
    throws -> String
  {
    let output = "\(folder)/\(name)"
    try StampPlan(path: Repository.fixture("gguf/tiny-llama.gguf"), request: request).execute(
      .path(output))
    return output
  }

  @Test func ggufTableKeysAndRecord() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let output = try Self.baked(Self.yarn4Tables, in: folder)
    let file = try GGUFFile(path: output)
    let table = try #require(file.tensors.first { $0.name == "rope_freqs.weight" })
    #expect(table.dtype == .f32 && table.shape == [8])
    let bytes = file.file.bytes(in: table.byteRange)
    #expect(Self.floats(bytes) == Self.tinyFrequencyFactors)
    #expect(file.metadata("llama.rope.scaling.type") == .string("none"))
    #expect(file.metadata("llama.rope.scaling.factor") == nil)
    #expect(file.metadata("llama.rope.scaling.original_context_length") == nil)
    #expect(file.metadata("llama.context_length") == .uint32(8192))
    // 1 + 0.1·ln 4 rounded to Float: what llama.cpp's YaRN path applies to cos/sin.
    #expect(file.metadata("llama.rope.scaling.attn_factor") == .float32(Float(1 + 0.1 * log(4.0))))
    let text = try #require(file.metadata(BakedRoPE.metadataKey)?.string)
    let record = try BakedRoPE(json: text, path: output)
    #expect(record.tableName == "rope_freqs.weight" && record.form == .frequencyFactors)
    #expect(record.pairCount == 8 && record.rotaryDimension == 16 && record.base == 10_000)
    #expect(record.tableChecksum == CRC32.checksum(bytes))
    #expect(record.attention == .metadata && record.contextLength == 8192)
    #expect(record.scaling["rope_type"] == .string("yarn"))
    #expect(record.scaling["original_max_position_embeddings"] == .integer(2048))
    // Every other tensor keeps its bytes.
    let original = try GGUFFile(path: Repository.fixture("gguf/tiny-llama.gguf"))
    for entry in original.tensors {
      let copy = try #require(file.tensors.first { $0.name == entry.name })
      #expect(file.file.bytes(in: copy.byteRange) == original.file.bytes(in: entry.byteRange))
    }
    #expect(BakedRoPECheck(path: output).problems.isEmpty)
    let source = try RoPESource(path: output)
    #expect(source.settings.summary == "yarn ×4 (original 2048 → 8192)")
  }

  /// Baking the keys a file already has gives the same bytes as stamping with --tables.
  @Test func bakingStampedKeysEqualsStampingTables() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let direct = try Self.baked(Self.yarn4Tables, in: folder)
    let keys = "\(folder)/keys.gguf"
    try StampPlan(
      path: Repository.fixture("gguf/tiny-llama.gguf"),
      request: StampRequest(method: .yarn, factor: 4)
    ).execute(.path(keys))
    let request = try StampRequest(restamping: try RoPESource(path: keys).settings, path: keys)
    try StampPlan(path: keys, request: request).execute(.path("\(folder)/two-step.gguf"))
    #expect(try Scratch.bytes(direct) == Scratch.bytes("\(folder)/two-step.gguf"))
    // Again on the baked file: nothing to do.
    #expect(try StampPlan(path: direct, request: Self.yarn4Tables).isEmpty)
  }

  /// Portable mode: Q8_0 query/key blocks get d × m (rounded to F16), quants untouched, no
  /// attention key; everything else byte-identical.
  @Test func portableModeScalesQ8BlockScales() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let output = try Self.baked(Self.portable, in: folder)
    let file = try GGUFFile(path: output)
    let original = try GGUFFile(path: Repository.fixture("gguf/tiny-llama.gguf"))
    #expect(file.metadata("llama.rope.scaling.attn_factor") == nil)
    let factor = Float(1 + 0.1 * log(4.0))
    var scaledCount = 0
    for entry in original.tensors {
      let copy = try #require(file.tensors.first { $0.name == entry.name })
      let old = original.file.bytes(in: entry.byteRange)
      let new = file.file.bytes(in: copy.byteRange)
      guard entry.name.hasSuffix("attn_q.weight") || entry.name.hasSuffix("attn_k.weight") else {
        #expect(old == new, "\(entry.name) must be untouched")
        continue
      }
      scaledCount += 1
      #expect(entry.dtype == .q8_0)
      for block in stride(from: 0, to: old.count, by: 34) {
        let d = HalfFloat.float(fromHalf: UInt16(old[block]) | UInt16(old[block + 1]) << 8)
        let expected = HalfFloat.half(from: d * factor)
        #expect(UInt16(new[block]) | UInt16(new[block + 1]) << 8 == expected)
        #expect(old[(block + 2)..<(block + 34)] == new[(block + 2)..<(block + 34)])
      }
    }
    #expect(scaledCount == 4)
    let record = try #require(BakedRoPECheck(path: output).record)
    #expect(record.attention == .weights)
    #expect(BakedRoPECheck(path: output).problems.isEmpty)
  }

  /// An HF folder: `model.rotary_emb.inv_freq` (transformers' buffer name), config.json keeps
  /// YaRN (portable: attention_factor 1.0), F32 Q/K weights multiplied in Float.
  @Test func huggingFaceFolderPortable() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let model = try Scratch.copy("hf/tiny-llama", into: folder)
    try StampPlan(path: model, request: Self.portable).execute(.inPlace)
    let file = try SafetensorsFile(path: "\(model)/model.safetensors")
    let original = try SafetensorsFile(path: Repository.fixture("hf/tiny-llama/model.safetensors"))
    let table = try #require(file.tensor(named: "model.rotary_emb.inv_freq"))
    let inverse = Self.floats(file.file.bytes(in: table.byteRange))
    let theta = (0..<8).map { Float(1 / pow(10_000.0, Double(2 * $0) / 16)) }
    for (index, value) in inverse.enumerated() {
      #expect(abs(value * Self.tinyFrequencyFactors[index] / theta[index] - 1) < 1e-6)
    }
    let factor = Float(1 + 0.1 * log(4.0))
    let name = "model.layers.1.self_attn.k_proj.weight"
    let old = Self.floats(
      original.file.bytes(in: try #require(original.tensor(named: name)).byteRange))
    let new = Self.floats(file.file.bytes(in: try #require(file.tensor(named: name)).byteRange))
    #expect(new == old.map { $0 * factor })
    let config = String(decoding: try Scratch.bytes("\(model)/config.json"), as: UTF8.self)
    #expect(config.contains("\"attention_factor\": 1.0"))
    #expect(BakedRoPECheck(path: model).problems.isEmpty)
    #expect(try RoPESource(path: model).baked?.attention == .weights)
  }

  /// Removing tables baked with the attention in metadata gives the keys-only model back, byte
  /// for byte in the weights.
  @Test func removingTablesRestoresTheWeights() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let model = try Scratch.copy("hf/tiny-llama", into: folder)
    try StampPlan(path: model, request: Self.yarn4Tables).execute(.inPlace)
    var request = StampRequest(method: .yarn, factor: 4)
    request.tables = false
    let plan = try StampPlan(path: model, request: request)
    #expect(plan.allTensorChanges.map(\.summary) == ["- tensor model.rotary_emb.inv_freq"])
    try plan.execute(.inPlace)
    #expect(
      try Scratch.bytes("\(model)/model.safetensors")
        == Scratch.bytes(Repository.fixture("hf/tiny-llama/model.safetensors")))
  }

  static let refusals: [(request: StampRequest, fragment: String)] = [
    (
      {
        var request = StampRequest(method: .yarn, factor: 4, dynamic: true)
        request.tables = true
        return request
      }(), "a baked table is static"
    ),
    (
      {
        var request = StampRequest(method: .yarn, factor: 4)
        request.bakeAttention = true
        return request
      }(), "add --tables"
    ),
  ]

  @Test(arguments: 0..<2)
  func refusesWhatATableCannotHold(_ index: Int) throws {
    let (request, fragment) = Self.refusals[index]
    let error = #expect(throws: PatchError.self) {
      try StampPlan(path: Repository.fixture("gguf/tiny-llama.gguf"), request: request)
    }
    #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "")")
  }

  /// What portable mode scales: Q/K projections and their biases (qwen2), or only the q/k norm
  /// weights where the architecture normalizes after projecting (qwen3); a fused QKV is refused.
  @Test func foldingTargets() throws {
    let qwen2 = [
      "blk.0.attn_q.weight", "blk.0.attn_q.bias", "blk.0.attn_k.weight", "blk.0.attn_k.bias",
      "blk.0.attn_v.weight", "blk.0.attn_v.bias", "blk.0.attn_output.weight",
    ]
    #expect(
      try AttentionFolding.targets(in: qwen2, path: "m.gguf") == [
        "blk.0.attn_q.weight", "blk.0.attn_q.bias", "blk.0.attn_k.weight", "blk.0.attn_k.bias",
      ])
    let qwen3 = [
      "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.k_proj.weight",
      "model.layers.0.self_attn.q_norm.weight", "model.layers.0.self_attn.k_norm.weight",
      "model.layers.0.self_attn.v_proj.weight",
    ]
    #expect(
      try AttentionFolding.targets(in: qwen3, path: "m") == [
        "model.layers.0.self_attn.q_norm.weight", "model.layers.0.self_attn.k_norm.weight",
      ])
    let error = #expect(throws: PatchError.self) {
      try AttentionFolding.targets(in: ["blk.0.attn_qkv.weight"], path: "phi3.gguf")
    }
    #expect(error?.key == "blk.0.attn_qkv.weight" && error?.kind == .unsupported)
  }

  /// An architecture whose llama.cpp graph has no rope_freqs tensor would not load.
  @Test func refusesArchitecturesThatDoNotReadRopeFreqs() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = "\(folder)/qwen2.gguf"
    let original = try GGUFFile(path: Repository.fixture("gguf/tiny-llama.gguf"))
    var writer = try GGUFWriter(path: path)
    for entry in original.metadata {
      let key = entry.key.hasPrefix("llama.") ? "qwen2." + entry.key.dropFirst(6) : entry.key
      try writer.add(key, key == "general.architecture" ? .string("qwen2") : entry.value)
    }
    for entry in original.tensors {
      try writer.addTensor(
        entry.name, dtype: entry.dtype, shape: entry.shape,
        data: .file(original.file, range: entry.byteRange))
    }
    try writer.write()
    let error = #expect(throws: PatchError.self) {
      try StampPlan(path: path, request: Self.yarn4Tables)
    }
    #expect(error?.kind == .unsupported)
    #expect(error?.message.contains("qwen2 graph does not read rope_freqs.weight") == true)
  }

  /// Each way a baked file can be wrong, made with Spindle's own writers, and the check's verdict.
  enum Damage: String, CaseIterable, Sendable {
    case editedTable, staleTable, wrongHeadDimension, attentionTwice, attentionMissing
    case scalingKeysOnTop, missingTable, contextChanged
  }

  static let expectedMessage: [Damage: String] = [
    .editedTable: "was changed after baking",
    .staleTable: "is stale: pair 3 holds",
    .wrongHeadDimension: "the table is for the wrong head size",
    .attentionTwice: "the attention factor is applied twice",
    .attentionMissing: "'llama.rope.scaling.attn_factor' is absent (1)",
    .scalingKeysOnTop: "would scale the frequencies twice",
    .missingTable: "which the file lacks",
    .contextChanged: "the table was baked for a context of 8192; the model declares 16384",
  ]

  @Test(arguments: Damage.allCases)
  func checkFindsDamage(_ damage: Damage) throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let source = try GGUFFile(
      path: try Self.baked(damage == .attentionTwice ? Self.portable : Self.yarn4Tables, in: folder)
    )
    var record = try BakedRoPE(
      json: try #require(source.metadata(BakedRoPE.metadataKey)?.string), path: source.path)
    var metadata = source.metadata.filter { $0.key != GGUFFile.reservedKey }.map {
      (key: $0.key, value: $0.value)
    }
    func set(_ key: String, _ value: GGUFValue?) {
      metadata.removeAll { $0.key == key }
      if let value { metadata.append((key, value)) }
    }
    var table = Self.tinyFrequencyFactors
    var writesTable = true
    switch damage {
    case .editedTable:
      table[5] = 2.5
    case .staleTable:
      // A table for factor 8, recorded (checksum included) as factor 4.
      table = [
        1, 1, 1, Float(1 / (0.25 / 8 + 0.75)), Float(1 / (0.5 / 8 + 0.5)),
        Float(1 / (0.75 / 8 + 0.25)), 8, 8,
      ]
      record.tableChecksum = CRC32.checksum(table.flatMap { Self.bytes($0) })
    case .wrongHeadDimension:
      table += table
      record.pairCount = 16
      record.rotaryDimension = 32
      record.tableChecksum = CRC32.checksum(table.flatMap { Self.bytes($0) })
    case .attentionTwice:
      set("llama.rope.scaling.attn_factor", .float32(1.1386294))
    case .attentionMissing:
      set("llama.rope.scaling.attn_factor", nil)
    case .scalingKeysOnTop:
      set("llama.rope.scaling.type", .string("yarn"))
      set("llama.rope.scaling.factor", .float32(4))
      set("llama.rope.scaling.original_context_length", .uint32(2048))
    case .missingTable:
      writesTable = false
    case .contextChanged:
      set("llama.context_length", .uint32(16384))
    }
    set(BakedRoPE.metadataKey, .string(record.json))
    let damaged = "\(folder)/damaged.gguf"
    var writer = try GGUFWriter(path: damaged)
    for (key, value) in metadata { try writer.add(key, value) }
    for entry in source.tensors where entry.name != "rope_freqs.weight" {
      try writer.addTensor(
        entry.name, dtype: entry.dtype, shape: entry.shape,
        data: .file(source.file, range: entry.byteRange))
    }
    if writesTable {
      try writer.addTensor(
        "rope_freqs.weight", dtype: .f32, shape: [table.count],
        data: .bytes(table.flatMap { Self.bytes($0) }))
    }
    try writer.write()
    let problems = BakedRoPECheck(path: damaged).problems
    let fragment = try #require(Self.expectedMessage[damage])
    #expect(
      problems.contains { $0.message.contains(fragment) },
      "\(damage): \(problems.map(\.message))")
  }

  static func bytes(_ value: Float) -> [UInt8] {
    let bits = value.bitPattern
    return (0..<4).map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) }
  }
}
