import Conversion
import Formats
import Foundation
import Models
import Tensors
import TestSupport
import Testing

/// Issue 12's GGUF → HF acceptance on fixtures/architectures: llama.cpp's F32 conversion of
/// each transformers-written folder, exported back, gives the folder's own tensors (names,
/// shapes, bytes) and hyperparameters.
@Suite(
  "Hugging Face export")
struct HuggingFaceExportTests {
  static func export(
    _ name: String, _ options: HuggingFaceExport.Options = .init(), label: String = #function
  ) throws -> (export: HuggingFaceExport, folder: String) {
    let scratch = try Scratch.folder(label)
    let output = "\(scratch)/\(name)-hf"
    let export = try HuggingFaceExport(
      gguf: ConversionFixtures.reference(name, .f32), options: options)
    _ = try export.write(to: output)
    return (export, output)
  }

  /// Every tensor of `safetensors` by name: dtype, shape and bytes.
  static func tensors(_ path: String) throws -> [String: (DType, [Int], [UInt8])] {
    let file = try SafetensorsFile(path: path)
    var tensors: [String: (DType, [Int], [UInt8])] = [:]
    for entry in file.tensors {
      tensors[entry.name] = (
        entry.dtype, entry.shape,
        file.file.withUnsafeBytes(in: entry.byteRange) { Array($0) }
      )
    }
    return tensors
  }

  @Test("F32 export gives the original tensors bit for bit", arguments: ConversionFixtures.models)
  func tensorsEqualOriginal(model: String) throws {
    let (_, folder) = try Self.export(model, .init(type: .f32), label: "export-\(model)")
    let original = try Self.tensors("\(ConversionFixtures.folder(model))/model.safetensors")
    let exported = try Self.tensors("\(folder)/model.safetensors")
    #expect(exported.keys.sorted() == original.keys.sorted())
    for (name, (dtype, shape, bytes)) in original {
      let other = try #require(exported[name])
      #expect(other.0 == dtype, "\(name)")
      #expect(other.1 == shape, "\(name)")
      #expect(other.2 == bytes, "\(name) differs")
    }
  }

  @Test("config.json gives the original hyperparameters", arguments: ConversionFixtures.models)
  func configMatchesOriginal(model: String) throws {
    let (export, folder) = try Self.export(model, .init(type: .f32), label: "config-\(model)")
    let original = try ModelHeader(path: ConversionFixtures.folder(model))
    let exported = try ModelHeader(path: folder)
    #expect(exported.definition == original.definition)
    #expect(exported.configuration == original.configuration)
    #expect(exported.rotaryDimension == original.rotaryDimension)
    #expect(exported.ropeSettings.sameScaling(as: original.ropeSettings))
    #expect(exported.ropeSettings.base == original.ropeSettings.base)
    // Every transformers key of the map the original states has the same value.
    var compared = 0
    for key in original.definition.hyperparameters {
      for name in key.huggingFace?.names ?? [] {
        guard let value = original.config[name], value != .null else { continue }
        #expect(exported.config[name] == value, "\(model): \(name)")
        compared += 1
      }
    }
    #expect(compared > 0)
    #expect(export.config["architectures"] == original.config["architectures"])
    #expect(export.config["model_type"] == original.config["model_type"])
    #expect(export.config["torch_dtype"] == .string("float32"))
  }

  @Test(
    "an F16 GGUF exports its matrices as the F16-rounded originals",
    arguments: [
      "llama", "gptneox",
    ])
  func halfPrecisionInput(model: String) throws {
    let scratch = try Scratch.folder("f16-input-\(model)")
    let export = try HuggingFaceExport(
      gguf: ConversionFixtures.reference(model, .f16), options: .init(type: .f32))
    _ = try export.write(to: "\(scratch)/hf")
    let original = try Self.tensors("\(ConversionFixtures.folder(model))/model.safetensors")
    let exported = try Self.tensors("\(scratch)/hf/model.safetensors")
    #expect(exported.keys.sorted() == original.keys.sorted())
    for (name, (_, shape, bytes)) in original {
      let other = try #require(exported[name])
      // llama.cpp's converter keeps 1-D tensors F32 and writes matrices F16.
      let expected: [UInt8] = stride(from: 0, to: bytes.count, by: 4).flatMap { offset in
        var value = Float(
          bitPattern: bytes[offset..<(offset + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) })
        if shape.count > 1 { value = HalfFloat.float(fromHalf: HalfFloat.half(from: value)) }
        let bits = value.bitPattern
        return (0..<4).map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) }
      }
      #expect(other.2 == expected, "\(name)")
    }
  }

  @Test("a zstd-compressed GGUF exports the same folder as the plain file")
  func compressedInput() throws {
    let scratch = try Scratch.folder(#function)
    let compressed = "\(scratch)/qwen3.gguf.zst"
    let writer = try AtomicFileWriter(destination: compressed)
    try Zstd.compress(
      try MappedFile(path: ConversionFixtures.reference("qwen3", .f32)), into: writer, level: 3)
    try writer.commit()
    let export = try HuggingFaceExport(gguf: compressed, options: .init(type: .f32))
    _ = try export.write(to: "\(scratch)/from-zst")
    let (_, plain) = try Self.export("qwen3", .init(type: .f32))
    for name in ["model.safetensors", "config.json", "generation_config.json"] {
      #expect(
        FileManager.default.contents(atPath: "\(scratch)/from-zst/\(name)")
          == FileManager.default.contents(atPath: "\(plain)/\(name)"), "\(name)")
    }
  }

  @Test("a small shard size writes numbered shards and an index the loader reads")
  func shards() throws {
    let (export, folder) = try Self.export("llama", .init(type: .f32, shardSize: 40_000))
    // 21 tensors, 189,696 bytes: the 20,480-byte embedding and output, 2 layers of 9.
    #expect(export.shards.count == 7)
    #expect(export.shardNames.first == "model-00001-of-00007.safetensors")
    #expect(export.shardNames.last == "model-00007-of-00007.safetensors")
    let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    #expect(
      files
        == (export.shardNames + [
          "config.json", "generation_config.json", "model.safetensors.index.json", "tokenizer.json",
          "tokenizer_config.json",
        ]).sorted())
    for (shard, name) in zip(export.shards, export.shardNames) {
      let size = try Self.tensors("\(folder)/\(name)").values.reduce(0) { $0 + $1.2.count }
      #expect(size <= 40_000)
      #expect(size == shard.reduce(0) { $0 + export.tensors[$1].byteCount })
    }
    let index = try JSONValue.parse(
      String(contentsOfFile: "\(folder)/model.safetensors.index.json", encoding: .utf8))
    #expect(index["metadata"]?["total_size"] == .integer(export.tensorByteCount))
    #expect(index["weight_map"]?.object?.count == 21)
    let original = try ModelHeader(path: ConversionFixtures.folder("llama"))
    let exported = try ModelHeader(path: folder)
    #expect(exported.tensorOrder.sorted() == original.tensorOrder.sorted())
    for name in original.tensorOrder {
      #expect(try exported.tensors[name]?.floats() == original.tensors[name]?.floats(), "\(name)")
    }
  }

  @Test(
    "F16 and BF16 round each F32 value to nearest even",
    arguments: [
      HuggingFaceExport.TargetType.f16, .bf16,
    ])
  func halfPrecision(type: HuggingFaceExport.TargetType) throws {
    let (_, folder) = try Self.export("qwen2", .init(type: type), label: "half-\(type)")
    let original = try Self.tensors("\(ConversionFixtures.folder("qwen2"))/model.safetensors")
    let exported = try Self.tensors("\(folder)/model.safetensors")
    for (name, (_, _, bytes)) in original {
      let other = try #require(exported[name])
      #expect(other.0 == type.dtype)
      let expected: [UInt8] = stride(from: 0, to: bytes.count, by: 4).flatMap { offset in
        let value = Float(
          bitPattern: bytes[offset..<(offset + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) })
        let bits = type == .f16 ? HalfFloat.half(from: value) : HalfFloat.bfloat16(from: value)
        return [UInt8(truncatingIfNeeded: bits), UInt8(truncatingIfNeeded: bits >> 8)]
      }
      #expect(other.2 == expected, "\(name)")
    }
    let config = try HFConfig(path: "\(folder)/config.json")
    #expect(config.json["torch_dtype"] == .string(type.torchName))
  }

  @Test("the byte-level BPE vocabulary becomes the original tokenizer.json model")
  func tokenizer() throws {
    let (export, folder) = try Self.export("gptneox", .init(type: .f32))
    let original = try JSONValue.parse(
      String(
        contentsOfFile: "\(ConversionFixtures.folder("gptneox"))/tokenizer.json", encoding: .utf8))
    let written = try JSONValue.parse(
      String(contentsOfFile: "\(folder)/tokenizer.json", encoding: .utf8))
    #expect(written["model"] == original["model"])
    #expect(written["added_tokens"] == original["added_tokens"])
    #expect(written["pre_tokenizer"] == original["pre_tokenizer"])
    let config = try JSONValue.parse(
      String(contentsOfFile: "\(folder)/tokenizer_config.json", encoding: .utf8))
    #expect(config["eos_token"] == .string("<|endoftext|>"))
    #expect(config["bos_token"] == .string("<|endoftext|>"))
    #expect(export.warnings.isEmpty)
  }

  /// The merges transformers' `SentencePieceExtractor(...).extract(BPE)` derives from the
  /// llama fixture's tokenizer.model (recorded with the peers' transformers 5.24).
  static let llamaMerges = [
    ("▁", "t"), ("h", "e"), ("▁", "a"), ("▁t", "he"), ("a", "r"), ("o", "n"), ("e", "r"),
    ("▁", "f"), ("▁a", "n"), ("a", "t"), ("▁", "p"), ("▁", "s"), ("e", "l"), ("e", "n"),
    ("e", "s"), ("r", "o"), ("▁t", "o"), ("e", "d"), ("i", "n"), ("▁", "o"), ("i", "on"),
  ]

  @Test("a SentencePiece vocabulary becomes a byte-fallback BPE with transformers' merges")
  func sentencePiece() throws {
    let (export, folder) = try Self.export("llama", .init(type: .f32))
    #expect(export.warnings.isEmpty)
    let written = try JSONValue.parse(
      String(contentsOfFile: "\(folder)/tokenizer.json", encoding: .utf8))
    let model = try #require(written["model"]?.object)
    #expect(
      model["merges"]
        == .array(Self.llamaMerges.map { JSONValue.array([.string($0.0), .string($0.1)]) }))
    #expect(model["byte_fallback"] == .bool(true))
    #expect(model["fuse_unk"] == .bool(true))
    #expect(model["unk_token"] == .string("<unk>"))
    #expect(model["vocab"]?.object?.count == 80)
    #expect(written["normalizer"] == .null)
    #expect(
      written["pre_tokenizer"]
        == .object(
          JSONObject([
            ("type", .string("Metaspace")), ("replacement", .string("\u{2581}")),
            ("prepend_scheme", .string("first")), ("split", .bool(false)),
          ])))
    #expect(
      written["decoder"]?["decoders"]?.array?.map { $0["type"]?.string ?? "" } == [
        "Replace", "ByteFallback", "Fuse", "Strip",
      ])
    let config = try JSONValue.parse(
      String(contentsOfFile: "\(folder)/tokenizer_config.json", encoding: .utf8))
    #expect(config["bos_token"] == .string("<s>"))
    #expect(config["eos_token"] == .string("</s>"))
    // transformers rebuilds a LlamaTokenizer from the file, as for the original folder.
    #expect(config["tokenizer_class"] == .string("LlamaTokenizer"))
    #expect(config["legacy"] == .bool(false))
    #expect(config["add_prefix_space"] == .null)
  }

  @Test("an existing destination is refused and nothing is left beside it")
  func existingDestination() throws {
    let scratch = try Scratch.folder(#function)
    let output = "\(scratch)/out"
    try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: false)
    let export = try HuggingFaceExport(gguf: ConversionFixtures.reference("llama", .f32))
    let error = try #require(throws: ConversionError.self) { try export.write(to: output) }
    #expect(error.kind == .output)
    #expect(error.message == "already exists; convert --to hf writes a new folder")
    #expect(try FileManager.default.contentsOfDirectory(atPath: scratch) == ["out"])
    #expect(try FileManager.default.contentsOfDirectory(atPath: output) == [])
  }

  @Test("a Hugging Face folder is refused: --to hf reads a GGUF")
  func folderRefused() throws {
    let error = try #require(throws: ConversionError.self) {
      try HuggingFaceExport(gguf: ConversionFixtures.folder("llama"))
    }
    #expect(error.kind == .notAFolder)
    #expect(
      error.message == "convert --to hf reads a GGUF file; this is a Hugging Face checkpoint")
  }
}
