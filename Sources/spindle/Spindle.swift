import ArgumentParser
import Patching

@main
struct Spindle: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "spindle",
    abstract: "Read, patch and verify language-model checkpoints (safetensors and GGUF).",
    discussion: """
      Spindle reads safetensors files, sharded safetensors sets, Hugging Face model folders, \
      GGUF files and GGUF split sets (plain or zstd-compressed). Exit status: 0 on success, \
      1 when a file is malformed or a check fails, 64 for a usage error.
      """,
    version: SpindleVersion.current,
    subcommands: [
      Inspect.self, Validate.self, Verify.self, Rewrite.self, Convert.self, Stamp.self, Tables.self,
      Rope.self,
      Memory.self, Meta.self, Restore.self, Run.self, EvalContext.self, Bench.self,
    ])
}
