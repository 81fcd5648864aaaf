import Conversion
import Formats
import Foundation
import Models
import Tensors
import TestSupport
import Testing

/// The plan's walk over the descriptions, its errors, and what writing guarantees.
@Suite(
  "Conversion plan")
struct ConversionPlanTests {
  /// A copy of fixture `name`'s folder in `scratch` whose weights are rewritten by `edit`
  /// (tensor name → kept or not), plus `extra` F32 tensors.
  static func editedFolder(
    _ name: String, in scratch: String, dropping dropped: Set<String> = [],
    adding extra: [(String, [Int])] = [], shards: Int = 1
  ) throws -> String {
    let folder = "\(scratch)/\(name)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let files = try FileManager.default.contentsOfDirectory(atPath: ConversionFixtures.folder(name))
    for file in files where !file.hasSuffix(".safetensors") {
      try FileManager.default.copyItem(
        atPath: "\(ConversionFixtures.folder(name))/\(file)", toPath: "\(folder)/\(file)")
    }
    let source = try SafetensorsFile(path: "\(ConversionFixtures.folder(name))/model.safetensors")
    var tensors = source.tensors.filter { !dropped.contains($0.name) }.map {
      SafetensorsWriter.Tensor(
        name: $0.name, dtype: $0.dtype, shape: $0.shape,
        data: .file(source.file, range: $0.byteRange))
    }
    for (extraName, shape) in extra {
      let count = shape.reduce(1, *)
      tensors.append(
        SafetensorsWriter.Tensor(
          name: extraName, dtype: .f32, shape: shape,
          data: .bytes([UInt8](repeating: 0, count: 4 * count))))
    }
    if shards == 1 {
      var writer = SafetensorsWriter()
      for tensor in tensors { writer.add(tensor) }
      _ = try writer.write(to: "\(folder)/model.safetensors")
      return folder
    }
    var weightMap: [String] = []
    var total = 0
    let perShard = (tensors.count + shards - 1) / shards
    for shard in 0..<shards {
      let file = String(format: "model-%05d-of-%05d.safetensors", shard + 1, shards)
      var writer = SafetensorsWriter()
      for tensor in tensors.dropFirst(shard * perShard).prefix(perShard) {
        writer.add(tensor)
        weightMap.append("\"\(tensor.name)\": \"\(file)\"")
        total += tensor.data.byteCount
      }
      _ = try writer.write(to: "\(folder)/\(file)")
    }
    let index =
      "{\"metadata\": {\"total_size\": \(total)}, \"weight_map\": {"
      + weightMap.joined(separator: ", ") + "}}"
    try index.write(
      toFile: "\(folder)/model.safetensors.index.json", atomically: true, encoding: .utf8)
    return folder
  }

  @Test("llama: Q and K rows permuted per head (GQA: 4 query heads, 2 KV heads), the rest copied")
  func llamaPlan() throws {
    let plan = try ConversionPlan(
      folder: ConversionFixtures.folder("llama"), options: .init(type: .f32))
    #expect(plan.architecture.ggufName == "llama")
    #expect(plan.fileType == 0)
    let byName = Dictionary(uniqueKeysWithValues: plan.tensors.map { ($0.name, $0) })
    #expect(byName["blk.0.attn_q.weight"]?.rowOrder == .queryKeyPermutation(heads: 4))
    #expect(byName["blk.1.attn_k.weight"]?.rowOrder == .queryKeyPermutation(heads: 2))
    #expect(byName["blk.0.attn_v.weight"]?.rowOrder == .same)
    #expect(
      byName["blk.0.attn_q.weight"]?.sourceNames == ["model.layers.0.self_attn.q_proj.weight"])
    #expect(plan.tensors.filter(\.isCopy).count == 17)
    #expect(
      byName["blk.0.attn_k.weight"]?.planLine
        == "blk.0.attn_k.weight  F32 [32, 64]  ← model.layers.0.self_attn.k_proj.weight (F32,"
        + " qk-permutation 2 heads)")
  }

  @Test("F16: matrices F16, norms and vectors F32, file type 1; auto is F16 for F32 weights")
  func halfTypes() throws {
    for type in [ConversionPlan.TargetType.f16, .auto] {
      let plan = try ConversionPlan(
        folder: ConversionFixtures.folder("qwen3"), options: .init(type: type))
      #expect(plan.type == .f16)
      #expect(plan.fileType == 1)
      let types = Dictionary(uniqueKeysWithValues: plan.tensors.map { ($0.name, $0.dtype) })
      #expect(types["token_embd.weight"] == .f16)
      #expect(types["blk.0.attn_q_norm.weight"] == .f32)
      #expect(types["blk.0.attn_norm.weight"] == .f32)
      #expect(types["blk.0.ffn_down.weight"] == .f16)
    }
  }

  @Test("phi3 LongRoPE: the two factor tables come first, F32 [8], from config.json")
  func longRoPETables() throws {
    let plan = try ConversionPlan(
      folder: ConversionFixtures.folder("phi3-longrope"), options: .init(type: .f16))
    #expect(
      plan.tensors.prefix(2).map(\.name) == [
        "rope_factors_long.weight", "rope_factors_short.weight",
      ])
    guard case .generated(_, let long) = plan.tensors[0].source else {
      Issue.record("rope_factors_long is not generated")
      return
    }
    #expect(long == [1.6347, 2.705, 3.7799, 5.0815, 7.9598, 11.6975, 17.2227, 25.7938])
    let keys = Dictionary(uniqueKeysWithValues: plan.metadata.map { ($0.key, $0.value) })
    #expect(keys["phi3.rope.scaling.attn_factor"] == .float32(Float(1.118034)))
    #expect(keys["phi3.rope.scaling.original_context_length"] == .uint32(256))
  }

  @Test("an unknown tensor is an error naming it; --skip-unknown drops it and says so")
  func unknownTensor() throws {
    let scratch = try Scratch.folder()
    defer { Scratch.cleanUp(scratch) }
    let folder = try Self.editedFolder(
      "qwen2", in: scratch, adding: [("model.layers.0.mlp.extra_proj.weight", [4, 64])])
    do {
      _ = try ConversionPlan(folder: folder, options: .init(type: .f32))
      Issue.record("an unknown tensor was accepted")
    } catch {
      #expect(error.kind == .unknownTensors)
      #expect(
        error.description
          == "\(folder): 1 tensor the qwen2 description does not know:"
          + " model.layers.0.mlp.extra_proj.weight (--skip-unknown drops them) [unknownTensors]")
    }
    let plan = try ConversionPlan(folder: folder, options: .init(type: .f32, skipUnknown: true))
    #expect(plan.skipped == ["model.layers.0.mlp.extra_proj.weight"])
    #expect(
      plan.warnings == [
        "dropped 1 unknown tensor (--skip-unknown): model.layers.0.mlp.extra_proj.weight"
      ])
    #expect(!plan.tensors.contains { $0.sourceNames == ["model.layers.0.mlp.extra_proj.weight"] })
  }

  @Test("missing tensors are one error listing every one; phi3 names its q/k/v alternatives")
  func missingTensors() throws {
    let scratch = try Scratch.folder()
    defer { Scratch.cleanUp(scratch) }
    let llama = try Self.editedFolder(
      "llama", in: scratch,
      dropping: ["model.layers.1.mlp.up_proj.weight", "lm_head.weight"])
    #expect {
      try ConversionPlan(folder: llama)
    } throws: { error in
      (error as? ConversionError)?.description
        == "\(llama): 2 required tensors are missing for llama: lm_head.weight,"
        + " model.layers.1.mlp.up_proj.weight [missingTensors]"
    }
    let phi3 = try Self.editedFolder(
      "phi3", in: scratch, dropping: ["model.layers.0.self_attn.qkv_proj.weight"])
    #expect {
      try ConversionPlan(folder: phi3)
    } throws: { error in
      (error as? ConversionError)?.description
        == "\(phi3): 1 required tensor is missing for phi3: one of"
        + " model.layers.0.self_attn.qkv_proj.weight / model.layers.0.self_attn.q_proj.weight /"
        + " model.layers.0.self_attn.k_proj.weight / model.layers.0.self_attn.v_proj.weight"
        + " [missingTensors]"
    }
  }

  @Test("a sharded folder converts to the same file as the single-file folder")
  func shardedFolder() throws {
    let scratch = try Scratch.folder()
    defer { Scratch.cleanUp(scratch) }
    let sharded = try Self.editedFolder("gptneox", in: scratch, shards: 3)
    let output = "\(scratch)/sharded.gguf"
    _ = try ConversionPlan(folder: sharded, options: .init(type: .f16, preTokenizer: "gpt-2"))
      .write(to: output)
    let reference = try ConversionFixtures.convert("gptneox", .f16)
    defer { Scratch.cleanUp(URL(fileURLWithPath: reference).deletingLastPathComponent().path) }
    #expect(try Scratch.bytes(output) == Scratch.bytes(reference))
  }

  @Test("a zstd-compressed model.safetensors.zst (config.json beside it) converts as its folder")
  func compressedWeights() throws {
    let scratch = try Scratch.folder()
    defer { Scratch.cleanUp(scratch) }
    let folder = "\(scratch)/phi3-longrope"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for file in ["config.json", "tokenizer.model", "tokenizer_config.json"] {
      try FileManager.default.copyItem(
        atPath: "\(ConversionFixtures.folder("phi3-longrope"))/\(file)", toPath: "\(folder)/\(file)"
      )
    }
    let writer = try AtomicFileWriter(destination: "\(folder)/model.safetensors.zst")
    try Zstd.compress(
      try MappedFile(path: "\(ConversionFixtures.folder("phi3-longrope"))/model.safetensors"),
      into: writer)
    try writer.commit()
    let output = "\(scratch)/compressed.gguf"
    let plan = try ConversionPlan(
      folder: "\(folder)/model.safetensors.zst", options: .init(type: .bf16))
    _ = try plan.write(to: output)
    let reference = try ConversionFixtures.convert("phi3-longrope", .bf16)
    defer { Scratch.cleanUp(URL(fileURLWithPath: reference).deletingLastPathComponent().path) }
    #expect(try Scratch.bytes(output) == Scratch.bytes(reference))
  }

  @Test("an unknown architecture is the loader's error listing the supported ones")
  func unknownArchitecture() throws {
    let scratch = try Scratch.folder()
    defer { Scratch.cleanUp(scratch) }
    let folder = try Self.editedFolder("qwen3", in: scratch)
    let config = try String(contentsOfFile: "\(folder)/config.json", encoding: .utf8)
    try config.replacingOccurrences(
      of: "\"model_type\": \"qwen3\"", with: "\"model_type\": \"bert\""
    )
    .replacingOccurrences(of: "Qwen3ForCausalLM", with: "BertModel")
    .write(toFile: "\(folder)/config.json", atomically: true, encoding: .utf8)
    #expect {
      try ConversionPlan(folder: folder)
    } throws: { error in
      guard let error = error as? ConversionError else { return false }
      return error.kind == .model
        && error.description
          == "\(folder)/config.json: unsupported architecture (model_type \"bert\"); supported:"
          + " llama, qwen2, qwen3, phi3, gptneox [unsupportedArchitecture]"
    }
  }

  @Test("a GGUF input is refused: convert reads Hugging Face folders")
  func ggufInput() throws {
    #expect {
      try ConversionPlan(folder: Repository.fixture("architectures/gguf/llama.gguf"))
    } throws: { error in
      (error as? ConversionError)?.kind == .notAFolder
    }
  }

  @Test("a failed write leaves nothing under the output name")
  func failedWriteLeavesNothing() throws {
    let scratch = try Scratch.folder()
    defer { Scratch.cleanUp(scratch) }
    let plan = try ConversionPlan(folder: ConversionFixtures.folder("llama"))
    let missingFolder = "\(scratch)/absent/out.gguf"
    #expect(throws: ConversionError.self) { try plan.write(to: missingFolder) }
    #expect(try Scratch.list(scratch) == [])
  }
}
