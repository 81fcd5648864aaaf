import Foundation
import TestSupport
import Testing

/// `spindle convert --to hf`: the folder written, `--dry-run`'s plan, and its refusals.
@Suite("convert --to hf command")
struct ConvertToHuggingFaceCommandTests {
  static let llama = "fixtures/architectures/gguf/llama.gguf"

  @Test func writesTheFolderAndSaysWhatItWrote() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let output = "\(folder)/llama-hf"
    let result = try SpindleProcess.run(
      "convert", Self.llama, "--to", "hf", "--dtype", "f32", "-o", output)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stdout
        == "\(output): 197,236 bytes, 21 tensors in 1 shard, LlamaForCausalLM f32; files:"
        + " model.safetensors, config.json, generation_config.json, tokenizer.json,"
        + " tokenizer_config.json\n")
    #expect(result.stderr == "")
    #expect(try Scratch.list(folder) == ["llama-hf"])
    #expect(try SpindleProcess.run("validate", "\(output)/model.safetensors").status == 0)
  }

  @Test func dryRunPrintsEveryTensorAndWritesNothing() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let output = "\(folder)/llama-hf"
    let result = try SpindleProcess.run(
      "convert", Self.llama, "--to", "hf", "--dtype", "f32", "-o", output, "--dry-run")
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 1 + 21)
    #expect(
      lines.first
        == "\(output): would be written from \(Self.llama): LlamaForCausalLM, f32, 21 tensors"
        + " (189,696 bytes) in model.safetensors")
    #expect(
      lines.contains(
        "  model.layers.0.self_attn.k_proj.weight  F32 [32, 64]  ← blk.0.attn_k.weight (F32,"
          + " rows reordered)"))
    #expect(try Scratch.list(folder) == [])
  }

  @Test func refusesQuantizedTypesAndBadSizes() throws {
    let bad = try SpindleProcess.run(
      "convert", Self.llama, "--to", "hf", "--dtype", "q8_0", "-o", "x")
    #expect(bad.status == 64)
    #expect(bad.stderr.hasPrefix("Error: --to hf writes f32, f16 or bf16, not q8_0\n"))
    let size = try SpindleProcess.run(
      "convert", Self.llama, "--to", "hf", "--shard-size", "5XB", "-o", "x")
    #expect(size.status == 64)
    #expect(
      size.stderr.hasPrefix(
        "Error: The value '5XB' is invalid for '--shard-size <size>': not a size: bytes, or a"))
  }

  @Test func refusesAnExistingFolder() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let result = try SpindleProcess.run("convert", Self.llama, "--to", "hf", "-o", folder)
    #expect(result.status == 1)
    #expect(
      result.stderr.hasSuffix(
        "Error: \(folder): already exists; convert --to hf writes a new folder [output]\n"))
    #expect(try Scratch.list(folder) == [])
  }
}
