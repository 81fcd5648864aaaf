import ArgumentParser

/// Where a command that changes a model writes: `-o OUT`, `--in-place`, or nowhere with
/// `--dry-run`; shared by `rewrite`, `stamp`, `tables` and `meta`, and by `convert` (which
/// refuses `--in-place`: it writes a new file).
struct OutputOptions: ParsableArguments {
  @Flag(help: "Print the change without writing anything.")
  var dryRun = false

  @Option(name: [.short, .customLong("output")], help: "Write a new file (or folder) here.")
  var output: String?

  @Flag(help: "Replace the input (in place when only the header changes, else rewritten).")
  var inPlace = false

  @Flag(help: "Print what was done (or would be, with --dry-run) as one JSON document.")
  var json = false

  /// Rejects a missing or doubled destination and `-o` naming the input (trailing `/` ignored).
  func validate(input: String) throws {
    if !dryRun {
      switch (output, inPlace) {
      case (nil, false):
        throw ValidationError("say where to write: -o OUT, or --in-place (or --dry-run)")
      case (_?, true):
        throw ValidationError("-o and --in-place both say where to write; give one")
      default: break
      }
    }
    if let output, Self.normalized(output) == Self.normalized(input) {
      throw ValidationError("-o names the input; use --in-place to replace it")
    }
  }

  private static func normalized(_ path: String) -> String {
    path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
  }
}
