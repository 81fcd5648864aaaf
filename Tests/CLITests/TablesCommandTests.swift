import Foundation
import TestSupport
import Testing

@Suite("spindle tables")
struct TablesCommandTests {
  @Test func dryRunListsKeysAndTensor() throws {
    let result = try SpindleProcess.run(
      "stamp", "fixtures/gguf/tiny-llama.gguf", "--yarn", "4", "--tables", "--dry-run")
    #expect(result.status == 0)
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.contains("+llama.rope.scaling.type: STRING \"none\""))
    #expect(lines.contains("+llama.rope.scaling.attn_factor: FLOAT32 1.1386294"))
    #expect(lines.contains("+ tensor rope_freqs.weight F32 [8]"))
    #expect(lines.contains { $0.hasPrefix("+spindle.rope: STRING \"{") })
  }

  /// keys → tables → rope/validate OK; a hand-edited attention key → validate exits 1 with the
  /// key named; tables --remove → keys again.
  @Test func bakeCheckAndRemove() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let keys = "\(folder)/keys.gguf"
    let baked = "\(folder)/baked.gguf"
    #expect(
      try SpindleProcess.run("stamp", "fixtures/gguf/tiny-llama.gguf", "--yarn", "4", "-o", keys)
        .status == 0)
    let bake = try SpindleProcess.run("tables", keys, "-o", baked)
    #expect(bake.status == 0)
    #expect(bake.stdout.contains("(baked as tables)"))
    let rope = try SpindleProcess.run("rope", baked)
    #expect(rope.status == 0)
    #expect(
      rope.stdout.contains(
        "tables:                rope_freqs.weight: 8 frequency factors, attention factor 1.13863"
          + " in metadata, baked by Spindle 0.1.0; matches the recomputation"))
    #expect(try SpindleProcess.run("validate", baked).status == 0)
    let edit = try SpindleProcess.run(
      "meta", "set", baked, "llama.rope.scaling.attn_factor=1.0", "--in-place", "--quiet")
    #expect(edit.status == 0)
    let validate = try SpindleProcess.run("validate", baked)
    #expect(validate.status == 1)
    #expect(
      validate.stdout.contains(
        "'llama.rope.scaling.attn_factor' is 1.0, the baked scaling's attention factor is"
          + " 1.1386294 [inconsistent]"))
    #expect(try SpindleProcess.run("rope", baked).status == 1)
    #expect(try SpindleProcess.run("restore", baked).status == 0)
    let removed = "\(folder)/removed.gguf"
    #expect(try SpindleProcess.run("tables", baked, "--remove", "-o", removed).status == 0)
    let inspect = try SpindleProcess.run(
      "inspect", removed, "--metadata", "llama.rope.scaling.type")
    #expect(inspect.stdout == "llama.rope.scaling.type (STRING): yarn\n")
  }

  @Test func refusesAModelWithoutScaling() throws {
    let result = try SpindleProcess.run("tables", "fixtures/gguf/tiny-llama.gguf", "--dry-run")
    #expect(result.status == 1)
    #expect(result.stderr.contains("the model declares no RoPE scaling to bake"))
  }
}
