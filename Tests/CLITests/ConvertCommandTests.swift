import Formats
import Foundation
import TestSupport
import Testing

/// `spindle convert`: the written file, `--dry-run`'s plan, `--json`, and its refusals.
@Suite("convert command")
struct ConvertCommandTests {
  static let llama = "fixtures/architectures/models/llama"

  @Test func convertsAndSaysWhatItWrote() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let output = "\(folder)/llama.gguf"
    let result = try SpindleProcess.run("convert", Self.llama, "-o", output, "--dtype", "f32")
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stdout
        == "\(output): 193,760 bytes, 21 tensors (17 copied, 4 converted or rearranged), llama"
        + " f32\n")
    #expect(result.stderr == "")
    #expect(try SpindleProcess.run("validate", output).status == 0)
    #expect(try Scratch.list(folder) == ["llama.gguf"])
  }

  @Test func dryRunPrintsEveryTensorAndWritesNothing() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let output = "\(folder)/qwen2.gguf"
    let result = try SpindleProcess.run(
      "convert", "fixtures/architectures/models/qwen2", "-o", output, "--dry-run")
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 1 + 26)
    #expect(
      lines.first
        == "\(output): would be written from fixtures/architectures/models/qwen2: qwen2, f16, 26"
        + " tensors (86,272 bytes), 28 metadata entries")
    #expect(
      lines.contains(
        "  blk.0.attn_q.bias  F32 [64]  ← model.layers.0.self_attn.q_proj.bias (F32, copy)"))
    #expect(
      lines.contains(
        "  token_embd.weight  F16 [80, 64]  ← model.embed_tokens.weight (F32, convert)"))
    #expect(try Scratch.list(folder) == [])
  }

  @Test func jsonDocument() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let output = "\(folder)/neox.gguf"
    let result = try SpindleProcess.run(
      "convert", "fixtures/architectures/models/gptneox", "-o", output, "--dtype", "q8_0",
      "--pre", "gpt-2", "--json")
    #expect(result.status == 0, "\(result.stderr)")
    let document = try JSONValue.parse(result.stdout)
    #expect(document["action"]?.string == "converted")
    #expect(document["dtype"]?.string == "q8_0")
    #expect(document["file_type"]?.number?.int == 7)
    #expect(document["byte_count"]?.number?.int == (try Scratch.bytes(output).count))
    let qkv = document["tensors"]?.array?.first { $0["name"]?.string == "blk.1.attn_qkv.weight" }
    #expect(qkv?["type"]?.string == "Q8_0")
    #expect(qkv?["transform"]?.string == "per-head-to-stacked")
    #expect(
      qkv?["source"]?.array == [.string("gpt_neox.layers.1.attention.query_key_value.weight")])
  }

  /// A BPE tokenizer whose check-text hash llama.cpp's converter does not know (the one
  /// trained for the gptneox fixture) stops the conversion with the hash and `--pre`, and
  /// nothing is written; with `--pre gpt-2` the file carries that name.
  @Test func unknownPreTokenizer() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let output = "\(folder)/neox.gguf"
    let refused = try SpindleProcess.run(
      "convert", "fixtures/architectures/models/gptneox", "-o", output, "--dtype", "f32")
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("the BPE pre-tokenizer is not one llama.cpp's converter knows"))
    #expect(refused.stderr.contains("name it with --pre NAME"))
    #expect(try Scratch.list(folder) == [])
    let named = try SpindleProcess.run(
      "convert", "fixtures/architectures/models/gptneox", "-o", output, "--dtype", "f32",
      "--pre", "gpt-2", "--quiet")
    #expect(named.status == 0, "\(named.stderr)")
    let file = try GGUFFile(path: output)
    #expect(file.metadata.first { $0.key == "tokenizer.ggml.pre" }?.value == .string("gpt-2"))
    #expect(file.metadata.first { $0.key == "tokenizer.ggml.model" }?.value == .string("gpt2"))
  }

  @Test func refusals() throws {
    let missing = try SpindleProcess.run("convert", Self.llama)
    #expect(missing.status == 64)
    #expect(missing.stderr.contains("say where to write: -o OUT, or --in-place (or --dry-run)"))
    let inPlace = try SpindleProcess.run("convert", Self.llama, "--in-place")
    #expect(inPlace.status == 64)
    #expect(inPlace.stderr.contains("convert writes a new file: give -o OUT.gguf, not --in-place"))
    let badType = try SpindleProcess.run("convert", Self.llama, "-o", "x.gguf", "--dtype", "q3_k")
    #expect(badType.status == 64)
    let both = try SpindleProcess.run(
      "convert", Self.llama, "-o", "x.gguf", "--dtype", "q4_0", "--quant", "q4_k_m")
    #expect(both.status == 64)
    #expect(both.stderr.contains("give --dtype or --quant, not both"))
    let badRecipe = try SpindleProcess.run("convert", Self.llama, "-o", "x.gguf", "--quant", "q9")
    #expect(badRecipe.status == 64)
    #expect(badRecipe.stderr.contains("unknown recipe 'q9'; valid: q4_0, q4_1"))
    #expect(!FileManager.default.fileExists(atPath: Repository.root + "/x.gguf"))
    let gguf = try SpindleProcess.run(
      "convert", "fixtures/architectures/gguf/llama.gguf", "-o", "/tmp/never.gguf", "--json")
    #expect(gguf.status == 1)
    let error = try JSONValue.parse(gguf.stdout)
    #expect(error["error"]?["kind"]?.string == "notAFolder")
  }
}
