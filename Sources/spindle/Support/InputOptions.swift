import ArgumentParser

/// The checkpoint a command reads.
struct InputOptions: ParsableArguments {
  @Argument(
    help: ArgumentHelp(
      "A .safetensors or .gguf file (optionally .zst), a sharded index, a GGUF split shard, or a model folder.",
      valueName: "path"))
  var path: String

  func validate() throws {
    if path.isEmpty { throw ValidationError("the path is empty") }
  }
}
