import Foundation
import TestSupport
import Testing

/// Help and reports fit an 80-column terminal; piped output keeps whole lines.
@Suite("80 columns")
struct TerminalWidthTests {
  static let commands: [[String]] = [
    [], ["inspect"], ["validate"], ["verify"], ["rewrite"], ["stamp"], ["tables"], ["rope"],
    ["meta"], ["meta", "set"], ["meta", "delete"], ["meta", "rename"], ["restore"], ["run"],
    ["bench"],
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
    let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
    let discussion = lines.prefix { !$0.hasPrefix("USAGE:") }
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
          PASS  file     GGUF, 21 tensors, 23 metadata entries: reads as the reference
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
