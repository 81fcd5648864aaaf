import Conversion
import Formats
import Foundation
import TestSupport
import Testing

/// Issue 12's acceptance on fixtures/architectures: `ConversionPlan` on each transformers-written
/// folder against llama.cpp's `convert_hf_to_gguf.py` output for the same folder (F32 in
/// `gguf/`, F16, Q8_0 and BF16 in `gguf-types/`, made by `convert_types.sh`): the same tensors
/// (names, shapes, types, bytes) and the same metadata, tokenizer keys included (the BPE
/// fixtures with `--pre gpt-2`, as `convert.py` answered the converter's hash look-up), but for
/// the differences listed, each with its reason.
@Suite(
  "Conversion agreement")
struct ConversionAgreementTests {
  /// Keys whose presence or value differs from the converter's, per model, with the reason.
  static let expectedDifferences: [String: [String: String]] = {
    let provenance = "Spindle's provenance record; the converter writes none"
    let vocabulary =
      "every {arch}.* key of the description's map is written; the converter writes vocab_size"
      + " for llama only (llama.cpp reads it as optional, the value is the embedding's rows)"
    let keyLength =
      "head size written from the map (with value_length, which llama.cpp defaults to"
      + " n_embd / n_head on its own); the converter writes them when config.json has head_dim"
    let rotary =
      "rope.dimension_count from the map; the converter writes it for llama, phi3 and gptneox"
      + " only (llama.cpp's default is the head size, the value written)"
    let slidingWindow =
      "Phi3MiniModel writes sliding_window 0 to tell Phi-3 from Phi-4; not a hyperparameter of"
      + " the description (llama.cpp reads it as optional, 0 = none)"
    let phi3Original =
      "Phi3MiniModel writes original_context_length even without a scaling; the map has no"
      + " such hyperparameter and llama.cpp reads it only for scaled models"
    let neoxFileType =
      "GPTNeoXModel's set_gguf_parameters writes no general.file_type; Spindle writes it for"
      + " every file (llama.cpp reads it as optional)"
    let neoxKeys =
      "head_count_kv and key/value_length follow from the map's derived values; GPTNeoXModel"
      + " writes neither (llama.cpp's defaults are the same numbers)"
    let neoxBase =
      "rope.freq_base from config.json's rope_theta; GPTNeoXModel writes none (the value is"
      + " llama.cpp's default 10000)"
    var table: [String: [String: String]] = [:]
    table["llama"] = ["spindle.convert": provenance]
    for name in ["qwen2", "qwen3"] {
      table[name] = [
        "spindle.convert": provenance, "\(name).vocab_size": vocabulary,
        "\(name).rope.dimension_count": rotary,
      ]
    }
    table["qwen2"]?["qwen2.attention.key_length"] = keyLength
    table["qwen2"]?["qwen2.attention.value_length"] = keyLength
    for name in ["phi3", "phi3-longrope"] {
      table[name] = [
        "spindle.convert": provenance, "phi3.vocab_size": vocabulary,
        "phi3.attention.key_length": keyLength, "phi3.attention.value_length": keyLength,
        "phi3.attention.sliding_window": slidingWindow,
      ]
    }
    table["phi3"]?["phi3.rope.scaling.original_context_length"] = phi3Original
    for name in ["gptneox", "gptneox-sequential"] {
      table[name] = [
        "spindle.convert": provenance, "general.file_type": neoxFileType,
        "gptneox.vocab_size": vocabulary, "gptneox.attention.head_count_kv": neoxKeys,
        "gptneox.attention.key_length": neoxKeys, "gptneox.attention.value_length": neoxKeys,
        "gptneox.rope.freq_base": neoxBase,
      ]
    }
    return table
  }()

  /// The conversions compared: every model at F32, F16 and Q8_0; BF16 for llama (Q/K
  /// permutation) and gptneox (per-head QKV).
  static let cases: [(String, ConversionPlan.TargetType)] =
    ConversionFixtures.models.flatMap { name in [(name, .f32), (name, .f16), (name, .q8_0)] }
    + [("llama", .bf16), ("gptneox", .bf16)]

  @Test("tensors: names, shapes, types and bytes equal the converter's", arguments: cases)
  func tensors(_ name: String, _ type: ConversionPlan.TargetType) throws {
    let output = try ConversionFixtures.convert(name, type)
    defer { Scratch.cleanUp(URL(fileURLWithPath: output).deletingLastPathComponent().path) }
    let ours = try GGUFFile(path: output)
    let theirs = try GGUFFile(path: ConversionFixtures.reference(name, type))
    #expect(ours.problems.isEmpty)
    #expect(Set(ours.tensors.map(\.name)) == Set(theirs.tensors.map(\.name)))
    let reference = Dictionary(uniqueKeysWithValues: theirs.tensors.map { ($0.name, $0) })
    for tensor in ours.tensors {
      guard let expected = reference[tensor.name] else { continue }
      #expect(tensor.dtype == expected.dtype, "\(name) \(type) \(tensor.name)")
      #expect(tensor.shape == expected.shape, "\(name) \(type) \(tensor.name)")
      let same = ours.file.withUnsafeBytes(in: tensor.byteRange) { a in
        theirs.file.withUnsafeBytes(in: expected.byteRange) { b in a.elementsEqual(b) }
      }
      #expect(same, "\(name) \(type) \(tensor.name): bytes differ")
    }
  }

  @Test("metadata equals the converter's but for the listed differences", arguments: cases)
  func metadata(_ name: String, _ type: ConversionPlan.TargetType) throws {
    let output = try ConversionFixtures.convert(name, type)
    defer { Scratch.cleanUp(URL(fileURLWithPath: output).deletingLastPathComponent().path) }
    func entries(_ file: GGUFFile) -> [String: GGUFValue] {
      Dictionary(
        uniqueKeysWithValues: file.metadata.map {
          ($0.key, $0.value)
        })
    }
    let ours = entries(try GGUFFile(path: output))
    let theirs = entries(try GGUFFile(path: ConversionFixtures.reference(name, type)))
    let differing = Set(ours.keys).union(theirs.keys).filter { ours[$0] != theirs[$0] }
    let expected = Set(Self.expectedDifferences[name, default: [:]].keys)
    #expect(differing == expected, "\(name) \(type): \(differing.sorted()) vs \(expected.sorted())")
    // Where both have a listed key, only the provenance and the converter-only keys differ.
    for key in expected where ours[key] != nil && theirs[key] != nil {
      Issue.record("\(name): \(key) is in both files with different values")
    }
  }
}
