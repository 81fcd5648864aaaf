import Formats
import Foundation
import TestSupport
import Testing

/// The `--json` documents against docs/json.md, their shared vocabulary, and the error
/// document every command prints on failure.
@Suite("--json documents")
struct JSONDocumentTests {
  static let tiny = "fixtures/gguf/tiny-llama.gguf"

  /// One section's field table: the names in order, and those listed as `always` present.
  struct Fields {
    var names: [String] = []
    var always: Set<String> = []
  }

  /// The first table of each `## ` section of docs/json.md, keyed by the section's title
  /// without backticks (`inspect`, `error document`); `readOnly`: only the sections above
  /// the edit commands' (`<!-- edit commands below -->`).
  static func documented(readOnly: Bool = false) throws -> [String: Fields] {
    let text = try String(contentsOfFile: Repository.root + "/docs/json.md", encoding: .utf8)
    var sections: [String: Fields] = [:]
    var section: String?
    var tableDone = false
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if readOnly && line == "<!-- edit commands below -->" { break }
      if line.hasPrefix("## ") {
        section = line.dropFirst(3).filter { $0 != "`" }.lowercased()
        tableDone = false
        continue
      }
      guard let name = section, !tableDone else { continue }
      if line.hasPrefix("| `") {
        let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        let field = cells[0].filter { $0 != "`" }
        sections[name, default: Fields()].names.append(field)
        if cells.count > 2 && cells[2] == "always" { sections[name]?.always.insert(field) }
      } else if sections[name] != nil && !line.hasPrefix("|") {
        tableDone = true
      }
    }
    return sections
  }

  struct Invocation: CustomTestStringConvertible, Sendable {
    var section: String
    var arguments: [String]
    var testDescription: String { arguments.joined(separator: " ") }
  }

  static let invocations = [
    Invocation(section: "inspect", arguments: ["inspect", tiny, "--json"]),
    Invocation(section: "inspect", arguments: ["inspect", tiny, "--tensors", "--json"]),
    Invocation(
      section: "inspect",
      arguments: ["inspect", tiny, "--metadata", "general.name", "--json"]),
    Invocation(section: "validate", arguments: ["validate", tiny, "--json"]),
    Invocation(section: "verify", arguments: ["verify", tiny, "--structure-only", "--json"]),
    Invocation(section: "rope", arguments: ["rope", tiny, "--yarn", "4", "--json"]),
    Invocation(section: "run", arguments: ["run", tiny, "--prompt", "hi", "-n", "2", "--json"]),
    Invocation(
      section: "bench",
      arguments: ["bench", tiny, "-p", "4", "-n", "2", "-r", "1", "--context", "8", "--json"]),
    Invocation(
      section: "convert",
      arguments: ["convert", "fixtures/architectures/models/llama", "--dry-run", "--json"]),
    Invocation(section: "memory", arguments: ["memory", tiny, "--json"]),
    Invocation(
      section: "rope --runtimes",
      arguments: ["rope", "fixtures/runtimes/qwen3-yarn4-40960", "--runtimes", "--json"]),
    Invocation(section: "error document", arguments: ["inspect", "nothere.gguf", "--json"]),
  ]

  /// Each document (each line, for `bench`) has the documented fields in the documented
  /// order: every `always` field, no field the docs do not list.
  @Test(arguments: invocations)
  func fieldsAreTheDocumentedOnes(_ invocation: Invocation) throws {
    let fields = try #require(try Self.documented()[invocation.section])
    let result = try SpindleProcess.run(invocation.arguments)
    let documents =
      invocation.section == "bench"
      ? result.stdout.split(separator: "\n").map(String.init) : [result.stdout]
    #expect(!documents.isEmpty)
    for document in documents {
      let keys = try #require(try JSONValue.parse(document).object?.keys)
      let expected = fields.names.filter { fields.always.contains($0) || keys.contains($0) }
      #expect(keys == expected, "\(invocation.section): docs/json.md lists \(fields.names)")
    }
  }

  /// Every section of docs/json.md above the edit commands' is checked by an invocation
  /// above, and has fields.
  @Test func everyDocumentedSectionIsTested() throws {
    let documented = try Self.documented(readOnly: true)
    #expect(Set(documented.keys) == Set(Self.invocations.map(\.section)))
    #expect(documented.values.allSatisfy { !$0.names.isEmpty && !$0.always.isEmpty })
    #expect(documented["inspect"]?.names.first == "path")
    let text = try String(contentsOfFile: Repository.root + "/docs/json.md", encoding: .utf8)
    #expect(text.contains("\n<!-- edit commands below -->\n"))
  }

  /// `format` has one spelling in every document, machine-readable.
  @Test(arguments: [
    ("fixtures/gguf/tiny-llama.gguf", "gguf"),
    ("fixtures/gguf/split/tiny-00002-of-00003.gguf", "gguf-split"),
    ("fixtures/safetensors/dtypes.safetensors", "safetensors"),
    ("fixtures/safetensors/sharded/model.safetensors.index.json", "safetensors-sharded"),
    ("fixtures/hf/tiny-llama", "hf-folder"),
  ])
  func formatIsOneVocabulary(path: String, format: String) throws {
    let inspect = try JSONValue.parse(try SpindleProcess.run("inspect", path, "--json").stdout)
    let validate = try JSONValue.parse(try SpindleProcess.run("validate", path, "--json").stdout)
    #expect(inspect["format"]?.string == format)
    #expect(validate["format"]?.string == format)
    #expect(validate["passed"]?.bool == true)
    #expect(validate["valid"] == nil)
    if format == "gguf" || format == "hf-folder" {
      let rope = try JSONValue.parse(try SpindleProcess.run("rope", path, "--json").stdout)
      #expect(rope["format"]?.string == format)
    }
  }

  @Test func ropeNamesAConfigFileHfConfig() throws {
    let rope = try SpindleProcess.run("rope", "fixtures/hf/tiny-llama/config.json", "--json")
    #expect(rope.status == 0)
    let document = try JSONValue.parse(rope.stdout)
    #expect(document["format"]?.string == "hf-config")
    #expect(document["rope_table_problems"]?.array?.isEmpty == true)
  }

  /// A table that no longer matches its record is a problem object in `rope` as in `validate`.
  @Test func ropeListsTableProblemsAsValidateDoes() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let baked = "\(folder)/baked.gguf"
    let stale = "\(folder)/stale.gguf"
    #expect(
      try SpindleProcess.run("stamp", Self.tiny, "--yarn", "4", "--tables", "-o", baked).status
        == 0)
    #expect(
      try SpindleProcess.run("meta", "set", baked, "llama.rope.freq_base=20000", "-o", stale)
        .status == 0)
    let rope = try SpindleProcess.run("rope", stale, "--json")
    let validate = try SpindleProcess.run("validate", stale, "--json")
    #expect(rope.status == 1)
    #expect(validate.status == 1)
    let problems = try #require(try JSONValue.parse(rope.stdout)["rope_table_problems"]?.array)
    #expect(problems.count == 1)
    #expect(problems.first?["kind"]?.string == "inconsistent")
    #expect(
      problems.first?["message"]?.string
        == "the table was computed for rope_theta 10000.0, the model has 20000.0")
    #expect(
      try JSONValue.parse(validate.stdout)["rope_table_problems"]?.array ?? [] == problems)
  }

  struct Failure: CustomTestStringConvertible, Sendable {
    var arguments: [String]
    var status: Int32
    /// `nil`: not asserted (the kind is another helper's to settle).
    var kind: String?
    var path: String?
    var offset: Int?
    var name: String?
    var message: String
    var testDescription: String { arguments.joined(separator: " ") }
  }

  static let failures = [
    Failure(
      arguments: ["inspect", "nothere.gguf"], status: 1, kind: "notFound", path: "nothere.gguf",
      message: "no such file or folder"),
    Failure(
      arguments: ["inspect", "fixtures/malformed/gguf/03-bad-version-0.gguf"], status: 1,
      kind: "unsupportedVersion", path: "fixtures/malformed/gguf/03-bad-version-0.gguf",
      offset: 4, message: "GGUF version 0 is invalid"),
    Failure(
      arguments: ["inspect", tiny, "--metadata", "nope"], status: 1, kind: "failure", path: tiny,
      name: "nope", message: "fixtures/gguf/tiny-llama.gguf: no metadata key 'nope'"),
    Failure(
      arguments: ["inspect", tiny, "--tensors", "--metadata", "a"], status: 64, kind: "usage",
      message: "--tensors and --metadata select different parts; use one"),
    Failure(
      arguments: ["validate"], status: 64, kind: "usage",
      message: "Missing expected argument '<path>'"),
    Failure(
      arguments: ["rope", "fixtures/malformed/gguf/03-bad-version-0.gguf"], status: 1,
      kind: "unsupportedVersion", path: "fixtures/malformed/gguf/03-bad-version-0.gguf",
      offset: 4, message: "GGUF version 0 is invalid"),
    Failure(
      arguments: ["rope", tiny, "--head-dim", "3"], status: 64, kind: "usage",
      message: "--head-dim must be even and positive, not 3"),
    Failure(
      arguments: ["verify", tiny, "--probe-length", "0"], status: 64, kind: "usage",
      message: "--probe-length must be a positive integer, not 0"),
    Failure(
      arguments: ["verify", tiny, "--token-file", "nothere.txt"], status: 1, kind: "notFound",
      path: "nothere.txt",
      message:
        "nothere.txt: cannot read the token file: nothere.txt: open failed: No such file or"
        + " directory (errno 2)"),
    Failure(
      arguments: ["run", "nothere.gguf", "--prompt", "hi"], status: 1, path: "nothere.gguf",
      message: "no such file or folder"),
    Failure(
      arguments: ["run", tiny, "--prompt", "hi", "-n", "0"], status: 64, kind: "usage",
      message: "-n/--max-tokens must be positive, not 0"),
    Failure(
      arguments: ["bench", "nothere.gguf"], status: 1, kind: "notFound", path: "nothere.gguf",
      message: "no such file or folder"),
    Failure(
      arguments: ["stamp", tiny, "--yarn", "2"], status: 64, kind: "usage",
      message: "say where to write: -o OUT, or --in-place (or --dry-run)"),
  ]

  /// With `--json`, a failure is one line on stdout, `{"error": {…}, "exit_status": N}`, with
  /// the status the command has without `--json`; the message still goes to stderr.
  @Test(arguments: failures)
  func failureIsOneErrorDocument(_ failure: Failure) throws {
    let plain = try SpindleProcess.run(failure.arguments)
    let result = try SpindleProcess.run(failure.arguments + ["--json"])
    #expect(plain.status == failure.status)
    #expect(result.status == failure.status)
    #expect(result.stdout.hasSuffix("}\n") && result.stdout.split(separator: "\n").count == 1)
    let document = try JSONValue.parse(result.stdout)
    #expect(document.object?.keys == ["error", "exit_status"])
    #expect(document["exit_status"]?.number?.int == Int(failure.status))
    let error = try #require(document["error"])
    #expect(error.object?.keys == ["kind", "path", "offset", "name", "message"])
    if let kind = failure.kind { #expect(error["kind"]?.string == kind) }
    #expect(error["path"] == failure.path.map(JSONValue.string) ?? .null)
    #expect(error["offset"]?.number?.int == failure.offset)
    #expect(error["name"] == failure.name.map(JSONValue.string) ?? .null)
    #expect(error["message"]?.string == failure.message)
    #expect(result.stderr.contains(failure.message))
    #expect(plain.stdout.isEmpty)
  }

  /// `--help` and a verdict the command printed itself are not failures to report again.
  @Test func noErrorDocumentForHelpOrAVerdict() throws {
    let help = try SpindleProcess.run("inspect", "--json", "--help")
    #expect(help.status == 0)
    #expect(help.stdout.hasPrefix("OVERVIEW:"))
    let broken = try SpindleProcess.run(
      "validate", "fixtures/malformed/gguf/03-bad-version-0.gguf", "--json")
    #expect(broken.status == 1)
    let document = try JSONValue.parse(broken.stdout)
    #expect(document["passed"]?.bool == false)
    #expect(document["error"] == nil)
  }
}
