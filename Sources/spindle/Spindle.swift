import ArgumentParser

@main
struct Spindle: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "spindle",
    abstract: "Read, patch and verify language-model checkpoints (safetensors and GGUF).",
    version: "0.1.0",
    subcommands: [])
}
