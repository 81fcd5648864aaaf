import Foundation
import Inference
import Models
import TestSupport
import Testing

/// `stamp --rope longrope` / `--from-config`, `tables`, `rope` and `validate` on the phi3
/// fixtures (fixtures/phi3).
@Suite("phi3 LongRoPE commands")
struct LongRoPECommandTests {
  static let gguf = "fixtures/phi3/tiny-phi3.gguf"
  static let config = "fixtures/phi3/longrope-128k.json"

  @Test func dryRunListsKeysAndTensors() throws {
    let result = try SpindleProcess.run(
      "stamp", Self.gguf, "--from-config", Self.config, "--dry-run")
    #expect(result.status == 0)
    #expect(
      result.stdout.split(separator: "\n").dropFirst(2) == [
        "-phi3.context_length: UINT32 4096", "+phi3.context_length: UINT32 131072",
        "+phi3.rope.scaling.attn_factor: FLOAT32 1.1902381",
        "+ tensor rope_factors_long.weight F32 [8]", "+ tensor rope_factors_short.weight F32 [8]",
        "KV cache (llama.cpp, f16): 0.50 MiB at 4096 tokens → 16.00 MiB at 131072",
      ])
  }

  /// Lists from a file and the command line give the file `--from-config` gives; then `rope`
  /// shows it, `validate` passes it, `tables` and a second stamp leave it alone.
  @Test func stampShowValidateRestamp() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try Data("[1.0, 1.1, 1.3, 2.5, 4.75, 9.999999, 16.0, 23.5]\n".utf8).write(
      to: URL(fileURLWithPath: "\(folder)/long.json"))
    let explicit = "\(folder)/explicit.gguf"
    let stamp = try SpindleProcess.run(
      "stamp", Self.gguf, "--rope", "longrope", "--long-factors", "@\(folder)/long.json",
      "--short-factors", "1, 1.02, 1.05, 1.0800000429153442, 1.1, 1.25, 1.5, 2",
      "--context", "131072", "-o", explicit)
    #expect(stamp.status == 0, "\(stamp.stderr)")
    #expect(
      stamp.stdout
        == "\(explicit): none (context 4096) → longrope ×32 (original 4096 → 131072), 2 keys"
        + " and 2 tensors changed\n"
        + "KV cache (llama.cpp, f16): 0.50 MiB at 4096 tokens → 16.00 MiB at 131072\n")
    let fromConfig = "\(folder)/config.gguf"
    #expect(
      try SpindleProcess.run("stamp", Self.gguf, "--from-config", Self.config, "-o", fromConfig)
        .status == 0)
    #expect(FileManager.default.contentsEqual(atPath: explicit, andPath: fromConfig))
    let rope = try SpindleProcess.run("rope", explicit)
    #expect(rope.status == 0)
    #expect(rope.stdout.contains("type:                  longrope\n"))
    #expect(
      rope.stdout.contains(
        "attention factor:      1.19024 (Hugging Face); llama.cpp applies 1.19024\n"))
    #expect(try SpindleProcess.run("validate", explicit).status == 0)
    let tables = try SpindleProcess.run("tables", explicit, "--dry-run")
    #expect(tables.status == 0)
    #expect(
      tables.stdout.hasSuffix(
        "already has longrope ×32 (original 4096 → 131072); nothing to change\n"))
    let again = try SpindleProcess.run(
      "stamp", explicit, "--from-config", Self.config, "--in-place")
    #expect(again.status == 0)
    #expect(again.stdout.contains("nothing to change"))
  }

  @Test func refusals() throws {
    let count = try SpindleProcess.run(
      "stamp", Self.gguf, "--rope", "longrope", "--long-factors", "1,2", "--short-factors", "1",
      "--dry-run")
    #expect(count.status == 64)
    #expect(count.stderr.contains("--long-factors has 2 values and --short-factors 1"))
    let pairs = try SpindleProcess.run(
      "stamp", Self.gguf, "--rope", "longrope", "--long-factors", "1,2", "--short-factors", "1,2",
      "--context", "8192", "--dry-run")
    #expect(pairs.status == 1)
    #expect(
      pairs.stderr.contains("'short_factor' must hold 8 values (one per rotary pair), found 2"))
    let notANumber = try SpindleProcess.run(
      "stamp", Self.gguf, "--rope", "longrope", "--long-factors", "1,x", "--short-factors", "1,2",
      "--dry-run")
    #expect(notANumber.status == 64)
    #expect(notANumber.stderr.contains("--long-factors: entry 1 'x' is not a number"))
    let arch = try SpindleProcess.run(
      "stamp", "fixtures/phi3/wrong/qwen2.gguf", "--from-config", Self.config, "--dry-run")
    #expect(arch.status == 1)
    #expect(arch.stderr.contains("llama.cpp's qwen2 graph does not read the LongRoPE tensors"))
    let mixed = try SpindleProcess.run(
      "stamp", Self.gguf, "--from-config", Self.config, "--yarn", "2", "--dry-run")
    #expect(mixed.status == 64)
  }

  @Test(arguments: [
    ("long-only.gguf", "the file has rope_factors_long.weight but not rope_factors_short.weight"),
    ("seven-factors.gguf", "'rope_factors_short.weight' must have shape [8]"),
    ("qwen2-factors.gguf", "llama.cpp's qwen2 graph does not read rope_factors_long.weight"),
  ])
  func validateRejects(file: String, message: String) throws {
    let result = try SpindleProcess.run("validate", "fixtures/phi3/wrong/\(file)")
    #expect(result.status == 1)
    #expect(result.stdout.contains(message), "\(result.stdout)")
  }

  /// End to end on transformers' phi3 converted by llama.cpp (fixtures/architectures): stamping
  /// the LongRoPE of the phi3-longrope config (same weights) into phi3.gguf gives the file the
  /// converter wrote for phi3-longrope (verify: only the name differs), and that file runs to
  /// llama.cpp's own logits on both sides of the window.
  @Test func stampedPhi3RunsLikeTheConvertedOne() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let stamped = "\(folder)/phi3-longrope.gguf"
    let stamp = try SpindleProcess.run(
      "stamp", "fixtures/architectures/gguf/phi3.gguf", "--from-config",
      "fixtures/architectures/models/phi3-longrope/config.json", "-o", stamped)
    #expect(stamp.status == 0, "\(stamp.stderr)")
    let verify = try SpindleProcess.run(
      "verify", stamped, "--against", "fixtures/architectures/gguf/phi3-longrope.gguf")
    #expect(verify.status == 0, "\(verify.stdout)")
    #expect(verify.stdout.contains("PASS  changes       17 of 17 tensors identical"))
    #expect(verify.stdout.contains("PASS  drift         mean KL 0 nats"))
    let checkpoint = try ModelCheckpoint(path: stamped)
    for (reference, context) in [
      ("window.llamacpp-ctx256-flash-off", 256), ("long.llamacpp-ctx512-flash-off", 512),
    ] {
      // llama.cpp's AVX-512 build's recordings, and its AVX2 build's (avx2/).
      for build in LlamaCppBuild.allCases {
        let folder = build == .avx2 ? "avx2/" : ""
        let recorded = try RecordedLogits(architectures: "phi3-longrope/\(folder)\(reference)")
        let model = try checkpoint.model(
          rotary: .llamaCpp, longRoPE: .context(context), numericMode: .llamaCpp)
        let logits = try LlamaCppBuild.withBuild(build) {
          try model.logits(tokens: recorded.tokens, startPosition: 0, outputs: recorded.indices)
        }
        #expect(recorded.relativeGap(logits) == 0, "\(reference), \(build.rawValue)")
      }
    }
  }
}
