import Foundation
import TestSupport
import Testing

/// Help and reports fit an 80-column terminal; piped output keeps whole lines.
@Suite("80 columns")
struct TerminalWidthTests {
  static let commands: [[String]] = [
    [], ["inspect"], ["validate"], ["verify"], ["rewrite"], ["stamp"], ["tables"], ["rope"],
    ["meta"], ["meta", "set"], ["meta", "delete"], ["meta", "rename"], ["restore"], ["run"],
    ["bench"], ["convert"],
  ]

  static func overlong(_ text: String, width: Int = 80) -> [String] {
    text.split(separator: "\n").map(String.init).filter { $0.count > width }
  }

  /// The parser wraps every help text, usage line included, to the terminal.
  @Test(arguments: commands)
  func helpFitsEightyColumns(_ command: [String]) throws {
    let result = try SpindleProcess.run(
      command + ["--help"], environment: ["COLUMNS": "80", "LINES": "25"])
    #expect(result.status == 0)
    #expect(Self.overlong(result.stdout) == [])
  }

  /// Help text is not wrapped by hand: on a very wide terminal each paragraph of the
  /// discussion is one line (a list is lines starting "- "), so the parser's wrapping is the
  /// only one.
  @Test(arguments: commands)
  func helpIsNotPreWrapped(_ command: [String]) throws {
    let result = try SpindleProcess.run(
      command + ["--help"], environment: ["COLUMNS": "100000", "LINES": "25"])
    #expect(result.status == 0)
    let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
    let discussion = lines.prefix { !$0.hasPrefix("USAGE:") }
    #expect(discussion.count > 1, "no help text before USAGE:")
    for (line, next) in zip(discussion, discussion.dropFirst())
    where !line.isEmpty && !next.isEmpty {
      #expect(next.hasPrefix("- "), "'\(line)' is followed by '\(next)'")
    }
  }

  /// With a terminal of 80 columns (`SPINDLE_COLUMNS` stands for one), reports fit it.
  @Test(arguments: [
    ["inspect", "fixtures/gguf/tiny-llama.gguf"],
    ["inspect", "fixtures/safetensors/sharded"],
    ["inspect", "fixtures/hf/tiny-llama"],
    ["inspect", "fixtures/gguf/split/tiny-00002-of-00003.gguf"],
    ["rope", "fixtures/gguf/tiny-llama.gguf", "--yarn", "4"],
    ["rope", "fixtures/hf/tiny-llama", "--yarn", "8"],
    ["rope", "fixtures/gguf/tiny-llama.gguf", "--yarn", "32", "--rope-theta", "1000000"],
    ["verify", "fixtures/gguf/tiny-llama.gguf", "--structure-only"],
    ["validate", "fixtures/malformed/gguf/03-bad-version-0.gguf"],
    ["validate", "fixtures/gguf/split/tiny-00002-of-00003.gguf"],
  ])
  func reportsFitTheTerminal(_ arguments: [String]) throws {
    let piped = try SpindleProcess.run(arguments)
    let fitted = try SpindleProcess.run(arguments, environment: ["SPINDLE_COLUMNS": "80"])
    #expect(fitted.status == piped.status)
    #expect(!Self.overlong(piped.stdout).isEmpty, "the case should need fitting")
    #expect(Self.overlong(fitted.stdout) == [])
  }

  /// An edit command run on a fresh copy of `fixture` in a scratch folder: each step's words,
  /// `FILE` standing for the copy and `DIR` for its folder; the last step is the one checked.
  struct EditCase: Sendable, CustomTestStringConvertible {
    var fixture: String
    var steps: [[String]]

    init(_ fixture: String, _ steps: [String]...) {
      self.fixture = fixture
      self.steps = steps
    }

    var testDescription: String { steps.map { $0.joined(separator: " ") }.joined(separator: "; ") }

    /// Runs the steps on a new copy; the output of the last, the folder to remove.
    func run(environment: [String: String]) throws -> (SpindleProcess.Output, String) {
      let scratch = try Scratch.folder("width")
      let folder = "\(scratch)/a-folder-with-a-long-name"
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      let file = try Scratch.copy(fixture, into: folder)
      func run(_ step: [String], environment: [String: String]) throws -> SpindleProcess.Output {
        let words = step.map {
          $0 == "FILE" ? file : $0.replacingOccurrences(of: "DIR", with: folder)
        }
        let result = try SpindleProcess.run(words, environment: environment)
        #expect(result.status == 0, "\(words): \(result.stderr)")
        return result
      }
      for step in steps.dropLast() { _ = try run(step, environment: [:]) }
      return (try run(steps[steps.count - 1], environment: environment), scratch)
    }
  }

  /// What an edit command says (its changes, the path it took, its undo) fits 80 columns.
  ///
  /// Lines continue indented, and only the `---`/`+++` paths of a `--dry-run` diff lose their
  /// start; nothing else is lost. Piped, every line is whole.
  @Test(arguments: [
    EditCase("gguf/tiny-llama.gguf", ["stamp", "FILE", "--yarn", "4", "--dry-run"]),
    EditCase("hf/tiny-llama", ["stamp", "FILE", "--yarn", "4", "--dry-run"]),
    EditCase("gguf/tiny-llama.gguf", ["stamp", "FILE", "--yarn", "4", "-o", "DIR/yarn.gguf"]),
    EditCase("gguf/tiny-llama.gguf", ["stamp", "FILE", "--yarn", "4", "--in-place"]),
    EditCase(
      "gguf/tiny-llama.gguf", ["rewrite", "FILE", "--in-place"],
      ["stamp", "FILE", "--yarn", "4", "--in-place"]),
    EditCase(
      "gguf/tiny-llama.gguf", ["stamp", "FILE", "--yarn", "4", "--in-place"],
      ["stamp", "FILE", "--yarn", "4", "-o", "DIR/copy.gguf"]),
    EditCase("hf/tiny-llama", ["stamp", "FILE", "--yarn", "4", "--in-place"]),
    EditCase(
      "gguf/tiny-llama.gguf", ["stamp", "FILE", "--yarn", "4", "--in-place"],
      ["tables", "FILE", "--dry-run"]),
    EditCase(
      "gguf/tiny-llama.gguf", ["stamp", "FILE", "--yarn", "4", "--in-place"],
      ["tables", "FILE", "-o", "DIR/tables.gguf"]),
    EditCase(
      "hf/tiny-llama", ["stamp", "FILE", "--yarn", "4", "--in-place"],
      ["tables", "FILE", "--dry-run"]),
    EditCase("gguf/tiny-llama.gguf", ["meta", "set", "FILE", "general.name=x", "--in-place"]),
    EditCase(
      "safetensors/dtypes.safetensors",
      ["meta", "set", "FILE", "a=b", "-o", "DIR/copy.safetensors"]),
    EditCase("gguf/tiny-llama.gguf", ["meta", "delete", "FILE", "general.name", "--dry-run"]),
    EditCase(
      "gguf/tiny-llama.gguf", ["rewrite", "FILE", "--in-place"],
      ["meta", "rename", "FILE", "general.name", "general.title", "--in-place"]),
    EditCase("gguf/tiny-llama.gguf", ["rewrite", "FILE", "-o", "DIR/copy.gguf"]),
    EditCase("gguf/tiny-llama.gguf", ["rewrite", "FILE", "--in-place", "--dry-run"]),
    EditCase(
      "gguf/tiny-llama.gguf", ["rewrite", "FILE", "--in-place"],
      ["meta", "set", "FILE", "general.name=x", "--in-place"], ["restore", "FILE"]),
  ])
  func editReportsFitTheTerminal(_ edit: EditCase) throws {
    let (piped, pipedFolder) = try edit.run(environment: [:])
    defer { Scratch.cleanUp(pipedFolder) }
    let (fitted, fittedFolder) = try edit.run(environment: ["SPINDLE_COLUMNS": "80"])
    defer { Scratch.cleanUp(fittedFolder) }
    #expect(!Self.overlong(piped.stdout).isEmpty, "the case should need fitting")
    #expect(Self.overlong(fitted.stdout) == [])
    // The same words, but for the scratch folder and the diff headers' elided paths.
    func words(_ output: SpindleProcess.Output, _ folder: String) -> String {
      output.stdout.split(separator: "\n")
        .filter { !$0.hasPrefix("--- ") && !$0.hasPrefix("+++ ") }
        .joined().filter { !$0.isWhitespace }.replacingOccurrences(of: folder, with: "DIR")
    }
    #expect(words(fitted, fittedFolder) == words(piped, pipedFolder))
    let fittedLines = fitted.stdout.split(separator: "\n").map(String.init)
    for header in fittedLines where header.hasPrefix("--- ") || header.hasPrefix("+++ ") {
      #expect(header.count <= 80 && header.contains("a-folder-with-a-long-name/"), "\(header)")
    }
  }

  /// A diff header keeps the end of its path and its "(stamped)"; a result line continues two
  /// spaces in.
  @Test func editLinesContinueIndented() throws {
    let folder = try Scratch.folder("width")
    defer { Scratch.cleanUp(folder) }
    let long = "\(folder)/a-folder-with-a-long-name"
    try FileManager.default.createDirectory(atPath: long, withIntermediateDirectories: true)
    let file = try Scratch.copy("gguf/tiny-llama.gguf", into: long)
    let wide = ["SPINDLE_COLUMNS": "80"]
    let diff = try SpindleProcess.run(
      ["stamp", file, "--yarn", "4", "--dry-run"], environment: wide)
    let header: [String] = [
      "--- …" + String(file.suffix(75)), "+++ …" + String(file.suffix(65)) + " (stamped)",
      "-llama.context_length: UINT32 2048",
    ]
    #expect(diff.stdout.split(separator: "\n").prefix(3).map(String.init) == header)
    let stamp = try SpindleProcess.run(
      ["stamp", file, "--yarn", "4", "--in-place"], environment: wide)
    // Three statements (what changed, how it was written, the KV cache at the new context),
    // each continued two spaces in.
    let lines = stamp.stdout.split(separator: "\n")
    let continuations = lines.filter { $0.hasPrefix(" ") }
    #expect(lines.count - continuations.count == 3)
    #expect(continuations.count >= 4)
    #expect(continuations.allSatisfy { $0.hasPrefix("  ") && !$0.hasPrefix("   ") })
    #expect(
      stamp.stdout.filter { !$0.isWhitespace }.contains(
        "tiny-llama.gguf:fullrewritewithnewheaderroom(thenewheaderneeds6041bytes"))
  }

  /// Long tensor names and paths lose their start, which is what they share; a long line of
  /// words breaks under its column.
  @Test func elisionAndWrapping() throws {
    let tensors = try SpindleProcess.run(
      ["inspect", "fixtures/hf/tiny-llama", "--tensors"], environment: ["SPINDLE_COLUMNS": "60"])
    let lines = tensors.stdout.split(separator: "\n").map(String.init)
    #expect(lines[1] == "  name                        dtype shape      bytes  offset")
    #expect(lines[4] == "  …s.0.input_layernorm.weight F32   [64]         256 133,216")
    let inspect = try SpindleProcess.run(
      ["inspect", "fixtures/safetensors/sharded"], environment: ["SPINDLE_COLUMNS": "60"])
    #expect(
      inspect.stdout.hasPrefix(
        """
        fixtures/safetensors/sharded: Hugging Face folder,
          little-endian, header 2,176 bytes,
          file 216,448 bytes (211.4 KiB)
        files (3):
          …rded/model-00001-of-00003.safetensors 90,848 header 736

        """))
    let verify = try SpindleProcess.run(
      ["verify", "fixtures/gguf/tiny-llama.gguf", "--structure-only"],
      environment: ["SPINDLE_COLUMNS": "80"])
    #expect(
      verify.stdout.contains(
        """
          PASS  file      GGUF, 21 tensors, 23 metadata entries: reads as the reference
                          loaders read it (no problems)

        """))
  }

  /// Piped output is full width whatever COLUMNS says: scripts get whole lines.
  @Test func pipedOutputKeepsWholeLines() throws {
    let result = try SpindleProcess.run(
      ["inspect", "fixtures/gguf/tiny-llama.gguf"], environment: ["COLUMNS": "80"])
    #expect(
      result.stdout.split(separator: "\n").first
        == "fixtures/gguf/tiny-llama.gguf: GGUF v3, little-endian, alignment 32, header 5,920 bytes, file 181,792 bytes (177.5 KiB)"
    )
  }
}
