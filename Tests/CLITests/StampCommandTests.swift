import Foundation
import TestSupport
import Testing

@Suite("spindle stamp")
struct StampCommandTests {
  static func scratchCopy(_ relative: String) throws -> (folder: String, path: String) {
    let folder = try Scratch.folder()
    let name = URL(fileURLWithPath: relative).lastPathComponent
    try FileManager.default.copyItem(
      atPath: "\(Repository.root)/fixtures/\(relative)", toPath: "\(folder)/\(name)")
    return (folder, "\(folder)/\(name)")
  }

  static func contents(_ path: String) throws -> Data {
    try Data(contentsOf: URL(fileURLWithPath: path))
  }

  @Test func dryRunHuggingFaceDiff() throws {
    let result = try SpindleProcess.run(
      "stamp", "fixtures/hf/tiny-llama", "--yarn", "4", "--dry-run")
    #expect(result.status == 0)
    #expect(result.stderr == "")
    #expect(
      result.stdout == """
        --- fixtures/hf/tiny-llama/config.json
        +++ fixtures/hf/tiny-llama/config.json (stamped)
        @@ -14 +14 @@
        -  "max_position_embeddings": 2048,
        +  "max_position_embeddings": 8192,
        @@ -22 +22,5 @@
        -  "rope_scaling": null,
        +  "rope_scaling": {
        +    "factor": 4.0,
        +    "original_max_position_embeddings": 2048,
        +    "rope_type": "yarn"
        +  },
        KV cache (llama.cpp, f16): 0.50 MiB at 2048 tokens → 2.00 MiB at 8192

        """)
  }

  @Test func dryRunGGUFDiffAndWarning() throws {
    let result = try SpindleProcess.run(
      "stamp", "fixtures/gguf/tiny-llama.gguf", "--yarn", "4", "--attention-factor", "1.2",
      "--dry-run")
    #expect(result.status == 0)
    #expect(
      result.stdout == """
        --- fixtures/gguf/tiny-llama.gguf
        +++ fixtures/gguf/tiny-llama.gguf (stamped)
        -llama.context_length: UINT32 2048
        +llama.context_length: UINT32 8192
        +llama.rope.scaling.type: STRING "yarn"
        +llama.rope.scaling.factor: FLOAT32 4.0
        +llama.rope.scaling.original_context_length: UINT32 2048
        +llama.rope.scaling.attn_factor: FLOAT32 1.0538986
        +llama.rope.scaling.yarn_attn_factor: FLOAT32 1.2
        KV cache (llama.cpp, f16): 0.50 MiB at 2048 tokens → 2.00 MiB at 8192

        """)
    #expect(
      result.stderr
        == "warning: llama.cpp recomputes the YaRN attention factor as 1 + 0.1·ln(s) = 1.138629"
        + " and ignores yarn_attn_factor; the wanted 1.2 is carried as rope.scaling.attn_factor ="
        + " 1.053899, the multiplier llama.cpp applies on top\n")
  }

  @Test func dryRunSafetensorsDiff() throws {
    let result = try SpindleProcess.run(
      "stamp", "fixtures/safetensors/dtypes.safetensors", "--rope", "linear", "--factor", "2",
      "--original-context", "4096", "--dry-run")
    #expect(result.status == 0)
    #expect(
      result.stdout == #"""
        --- fixtures/safetensors/dtypes.safetensors __metadata__
        +++ fixtures/safetensors/dtypes.safetensors __metadata__ (stamped)
        +max_position_embeddings: "8192"
        +rope_scaling: "{\"rope_type\":\"linear\",\"factor\":2.0}"

        """#)
  }

  @Test func writesAndRefusesWithoutReplace() throws {
    let (folder, input) = try Self.scratchCopy("gguf/tiny-llama.gguf")
    defer { Scratch.cleanUp(folder) }
    let output = "\(folder)/yarn.gguf"
    let first = try SpindleProcess.run("stamp", input, "--yarn", "4", "-o", output)
    #expect(first.status == 0)
    #expect(
      first.stdout
        == "\(output): none (context 2048) → yarn ×4 (original 2048 → 8192), 4 keys changed\n"
        + "KV cache (llama.cpp, f16): 0.50 MiB at 2048 tokens → 2.00 MiB at 8192\n")
    #expect(
      try Self.contents(input)
        == Self.contents("\(Repository.root)/fixtures/gguf/tiny-llama.gguf"))
    let before = try Self.contents(output)
    let refused = try SpindleProcess.run(
      "stamp", output, "--rope", "linear", "--factor", "2", "--in-place")
    #expect(refused.status == 1)
    #expect(
      refused.stderr
        == "Error: \(output): the model already has yarn ×4 (original 2048 → 8192); stamping"
        + " linear ×2 (original 2048 → 4096) would overwrite it: pass --replace to do so"
        + " [conflict]\n")
    #expect(try Self.contents(output) == before)
    let replaced = try SpindleProcess.run(
      "stamp", output, "--rope", "linear", "--factor", "2", "--in-place", "--replace")
    #expect(replaced.status == 0)
    let inspect = try SpindleProcess.run("inspect", output, "--metadata", "llama.rope.scaling.type")
    #expect(inspect.stdout == "llama.rope.scaling.type (STRING): linear\n")
    let again = try SpindleProcess.run(
      "stamp", output, "--rope", "linear", "--factor", "2", "--in-place")
    #expect(again.status == 0)
    #expect(
      again.stdout == "\(output): already has linear ×2 (original 2048 → 4096); nothing to change\n"
    )
  }

  @Test func huggingFaceFolderOutputAndInPlace() throws {
    let (folder, input) = try Self.scratchCopy("hf/tiny-llama")
    defer { Scratch.cleanUp(folder) }
    let output = "\(folder)/yarn"
    let result = try SpindleProcess.run("stamp", input, "--yarn", "2", "-o", output)
    #expect(result.status == 0)
    #expect(
      try Self.contents("\(output)/model.safetensors")
        == Self.contents("\(input)/model.safetensors"))
    let exists = try SpindleProcess.run("stamp", input, "--yarn", "2", "-o", output)
    #expect(exists.status == 1)
    #expect(exists.stderr.hasSuffix("[outputExists]\n"))
    let inPlace = try SpindleProcess.run("stamp", input, "--yarn", "2", "--in-place")
    #expect(inPlace.status == 0)
    #expect(try Self.contents("\(input)/config.json") == Self.contents("\(output)/config.json"))
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter {
      $0.hasPrefix(".")
    }
    #expect(leftovers.isEmpty)
  }

  /// Library refusals exit 1, name the key, and write nothing.
  @Test(arguments: [
    (
      ["--rope", "llama3", "--factor", "8"],
      "GGUF cannot express this scaling: llama3 scaling needs the rope_freqs.weight tensor"
        + " (θ_i / inv_freq_i), which GGUF keys cannot hold; writing it arrives with --tables"
        + " [unsupported]"
    ),
    (
      ["--yarn", "4", "--context", "9000"],
      "--context 9000 is not factor × original (4 × 2048 = 8192); YaRN readers disagree on"
        + " which one wins [inconsistent]"
    ),
    (
      ["--yarn", "4", "--dynamic"],
      "GGUF cannot express this scaling: llama.cpp has no dynamic YaRN: it would run static"
        + " YaRN ×4 at every length [unsupported]"
    ),
  ])
  func refusals(options: [String], message: String) throws {
    let (folder, input) = try Self.scratchCopy("gguf/tiny-llama.gguf")
    defer { Scratch.cleanUp(folder) }
    let original = try Self.contents(input)
    let result = try SpindleProcess.run(["stamp", input] + options + ["-o", "\(folder)/out.gguf"])
    #expect(result.status == 1)
    #expect(result.stderr == "Error: \(input): \(message)\n")
    #expect(try Self.contents(input) == original)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["tiny-llama.gguf"])
  }

  @Test func forceProceedsWithAWarning() throws {
    let result = try SpindleProcess.run(
      "stamp", "fixtures/gguf/tiny-llama.gguf", "--yarn", "4", "--context", "9000", "--force",
      "--dry-run")
    #expect(result.status == 0)
    #expect(
      result.stderr
        == "warning: --context 9000 is not factor × original (4 × 2048 = 8192); YaRN readers"
        + " disagree on which one wins (proceeding: --force)\n")
    #expect(result.stdout.contains("+llama.context_length: UINT32 9000\n"))
  }

  /// Bad option combinations exit 64 before any file is opened.
  @Test(arguments: [
    (["--yarn", "4"], "say where to write: -o OUT, or --in-place (or --dry-run)"),
    (
      ["--yarn", "4", "-o", "x.gguf", "--in-place"],
      "-o and --in-place both say where to write; give one"
    ),
    (
      ["--yarn", "4", "--rope", "linear", "--dry-run"],
      "--yarn and --rope both choose the scaling; give one"
    ),
    (["--rope", "yarn", "--dry-run"], "--rope needs --factor"),
    (["--dry-run"], "give --yarn FACTOR, or --rope TYPE --factor FACTOR"),
    (
      ["--yarn", "0.5", "--dry-run"],
      "the factor must be a finite number >= 1 (below 1 it would shrink the context), not 0.5"
    ),
    (
      ["--yarn", "4", "--original-context", "0", "--dry-run"],
      "--original-context must be positive, not 0"
    ),
    (
      ["--yarn", "4", "--original-context", "4096", "--context", "2048", "--dry-run"],
      "--context 2048 is below --original-context 4096: scaling cannot shrink the context"
    ),
    (
      ["--yarn", "4", "--beta-fast", "1", "--beta-slow", "2", "--dry-run"],
      "--beta-fast (1) must be above --beta-slow (2)"
    ),
    (
      ["--yarn", "4", "--attention-factor=-1", "--dry-run"],
      "--attention-factor must be a positive number, not -1"
    ),
    (
      ["--rope", "linear", "--factor", "2", "--beta-fast", "16", "--dry-run"],
      "--beta-fast applies to YaRN only, not to linear scaling"
    ),
    (["--yarn", "4", "-o", "missing.gguf"], "-o names the input; use --in-place to replace it"),
  ])
  func usageErrors(options: [String], message: String) throws {
    let path = options.last == "missing.gguf" ? "missing.gguf" : "no-such-model.gguf"
    let result = try SpindleProcess.run(["stamp", path] + options)
    #expect(result.status == 64)
    #expect(result.stderr.hasPrefix("Error: \(message)\n"))
  }
}
