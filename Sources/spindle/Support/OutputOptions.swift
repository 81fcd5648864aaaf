import ArgumentParser
import Formats
import Tensors

#if canImport(Glibc)
import Glibc
#endif

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

  @OptionGroup var waiting: WaitOption

  /// Rejects a missing or doubled destination and `-o` naming the input: the same text
  /// (trailing `/` ignored), the same file by another name (`./m.gguf`, a symlink or a hard
  /// link to it), or an existing file inside an input folder.
  ///
  /// Also sets how long the command waits for another process editing the input
  /// (``WaitOption/apply()``), so it holds before any file is opened.
  func validate(input: String) throws {
    waiting.apply()
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
    if let output, let existing = try? Syscalls.pathStatus(output),
      let source = try? Syscalls.pathStatus(input)
    {
      if existing.st_dev == source.st_dev && existing.st_ino == source.st_ino {
        throw ValidationError(
          "-o \(output) is the input \(input) under another name (same device and inode);"
            + " use --in-place to replace it")
      }
      let folder = AtomicFileWriter.split(Self.normalized(output)).folder
      if (source.st_mode & S_IFMT) == S_IFDIR, let parent = try? Syscalls.pathStatus(folder),
        parent.st_dev == source.st_dev && parent.st_ino == source.st_ino
      {
        throw ValidationError(
          "-o \(output) would replace a file of the input folder \(input); write elsewhere")
      }
    }
  }

  private static func normalized(_ path: String) -> String {
    path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
  }
}
