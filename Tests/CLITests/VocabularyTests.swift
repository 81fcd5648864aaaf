import Formats
import Foundation
import TestSupport
import Testing

/// One CLI vocabulary: `--numerics exact|llama.cpp` everywhere, `-n/--max-tokens` for a count
/// and `--token-file`/`--text-file` for files, `meta set|delete|rename` with the output group
/// of every command that writes a model, `--json` documents with the same names, `run --echo`.
@Suite("CLI vocabulary")
struct VocabularyTests {
  static let model = "fixtures/gguf/tiny-llama.gguf"

  /// Every command that runs the forward pass takes the same spelling.
  @Test(arguments: [
    ["run", model, "--prompt", "Hello", "-n", "2"],
    ["verify", model, "--probe-length", "8", "--long-context", "16", "--quiet"],
    ["bench", model, "-p", "4", "-n", "2", "-r", "1"],
  ])
  func numericsSpelling(command: [String]) throws {
    let good = try SpindleProcess.run(command + ["--numerics", "llama.cpp"])
    #expect(good.status == 0, "\(good.stderr)")
    for near in ["llama-cpp", "llamacpp", "LLAMA_CPP"] {
      let bad = try SpindleProcess.run(command + ["--numerics", near])
      #expect(bad.status == 64)
      #expect(
        bad.stderr.contains(
          "The value '\(near)' is invalid for '--numerics <exact|llama.cpp>': use 'llama.cpp'"
            + " (the values are exact, llama.cpp)"), "\(bad.stderr)")
    }
    let unknown = try SpindleProcess.run(command + ["--numerics", "fast"])
    #expect(unknown.status == 64)
    #expect(
      unknown.stderr.contains("'fast' is invalid")
        && unknown.stderr.contains("the values are exact, llama.cpp"))
  }

  /// A count is `-n/--max-tokens`; the old `run --tokens` and `verify --tokens` are gone.
  @Test func oneNamePerMeaning() throws {
    let long = try SpindleProcess.run(
      "run", Self.model, "--prompt", "Hello", "--max-tokens", "3", "--json")
    #expect(long.status == 0, "\(long.stderr)")
    let short = try SpindleProcess.run("run", Self.model, "--prompt", "Hello", "-n", "3", "--json")
    #expect(short.stdout == long.stdout)
    let document = try JSONValue.parse(long.stdout)
    #expect(document.object?.keys == ["path", "prompt", "generated", "text"])
    #expect(document["generated"]?.array?.count ?? 0 <= 3)
    for (old, option) in [
      (["run", Self.model, "--prompt", "Hello", "--tokens", "3"], "--tokens"),
      (["verify", Self.model, "--tokens", "ids.txt"], "--tokens"),
      (["verify", Self.model, "--text", "probe.txt"], "--text"),
    ] {
      let result = try SpindleProcess.run(old)
      #expect(result.status == 64)
      #expect(result.stderr.contains("Unknown option '\(option)'"), "\(result.stderr)")
    }
  }

  /// `--echo` prints the prompt's tokens, then exactly what a run without it prints.
  @Test func echo() throws {
    let plain = try SpindleProcess.run("run", Self.model, "--prompt", "Hello world", "-n", "4")
    #expect(plain.status == 0, "\(plain.stderr)")
    let echoed = try SpindleProcess.run(
      "run", Self.model, "--prompt", "Hello world", "-n", "4", "--echo")
    #expect(echoed.status == 0, "\(echoed.stderr)")
    // tiny-llama adds BOS (token 1, text U+0001), printed as its text as llama-simple does;
    // its byte-level pieces spell the prompt back.
    #expect(echoed.stdout == "\u{1}Hello world" + plain.stdout)
    let both = try SpindleProcess.run(
      "run", Self.model, "--prompt", "Hello", "--echo", "--json")
    #expect(both.status == 64)
    #expect(both.stderr.contains("--json already holds its tokens"))
  }

  static func metadata(_ path: String, _ key: String) throws -> JSONValue? {
    let result = try SpindleProcess.run("inspect", path, "--metadata", key, "--json")
    guard result.status == 0 else { return nil }
    return try JSONValue.parse(result.stdout)["metadata"]?.array?.first?["value"]
  }

  /// `meta set|delete|rename` are subcommands, and each writes where the output group says.
  @Test func metaSubcommandsWriteWhereTold() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let input = "\(folder)/in.gguf"
    try FileManager.default.copyItem(atPath: Self.model, toPath: input)
    let original = try Scratch.bytes(input)

    // -o: an edited copy, the input byte for byte as it was.
    let copy = "\(folder)/copy.gguf"
    let set = try SpindleProcess.run("meta", "set", input, "general.name=edited", "-o", copy)
    #expect(set.status == 0, "\(set.stderr)")
    #expect(set.stdout.contains("\(copy): edited copy of \(input)"))
    #expect(try Scratch.bytes(input) == original)
    #expect(try Self.metadata(copy, "general.name") == .string("edited"))
    #expect(try SpindleProcess.run("validate", copy).status == 0)

    let renamed = "\(folder)/renamed.gguf"
    let rename = try SpindleProcess.run(
      "meta", "rename", copy, "general.name", "general.title", "-o", renamed)
    #expect(rename.status == 0, "\(rename.stderr)")
    #expect(try Self.metadata(renamed, "general.title") == .string("edited"))
    #expect(try Self.metadata(renamed, "general.name") == nil)

    // --dry-run writes nothing; --in-place edits the file.
    let dry = try SpindleProcess.run("meta", "delete", renamed, "general.title", "--dry-run")
    #expect(dry.status == 0)
    #expect(dry.stdout.contains("delete general.title"), "\(dry.stdout)")
    #expect(try Self.metadata(renamed, "general.title") == .string("edited"))
    let delete = try SpindleProcess.run("meta", "delete", renamed, "general.title", "--in-place")
    #expect(delete.status == 0, "\(delete.stderr)")
    #expect(try Self.metadata(renamed, "general.title") == nil)
  }

  /// `rewrite` takes the same output group: a copy, the file replaced, or nothing written.
  @Test func rewriteWritesWhereTold() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let input = "\(folder)/in.gguf"
    try FileManager.default.copyItem(atPath: Self.model, toPath: input)
    let original = try Scratch.bytes(input)
    let dry = try SpindleProcess.run(
      "rewrite", input, "--in-place", "--reserve", "4096", "--dry-run")
    #expect(dry.status == 0, "\(dry.stderr)")
    #expect(
      dry.stdout
        == "\(input) (in place): would be written from \(input): GGUF, 21 tensors, 4,096 bytes"
        + " of header room reserved\n")
    #expect(try Scratch.bytes(input) == original)
    let copy = try SpindleProcess.run(
      "rewrite", input, "-o", "\(folder)/copy.gguf", "--reserve", "4096")
    #expect(copy.status == 0, "\(copy.stderr)")
    let inPlace = try SpindleProcess.run("rewrite", input, "--in-place", "--reserve", "4096")
    #expect(inPlace.status == 0, "\(inPlace.stderr)")
    #expect(inPlace.stdout.hasPrefix("\(input): "))
    #expect(try Scratch.bytes(input) == Scratch.bytes("\(folder)/copy.gguf"))
    #expect(try Scratch.bytes(input) != original)
    #expect(try Scratch.list(folder) == ["copy.gguf", "in.gguf"])
  }

  @Test(arguments: [
    (["rewrite", model], "say where to write: -o OUT, or --in-place"),
    (["meta", "set", model, "general.name=x"], "say where to write: -o OUT, or --in-place"),
    (["meta", "set", model, "general.name=x", "-o", model], "-o names the input"),
    (["meta", "set", model, "general.name=x", "-o", "a.gguf", "--in-place"], "give one"),
    (["meta", "rename", model, "general.name", "--in-place"], "Missing expected argument '<new>'"),
    (["meta", "frobnicate", model, "x"], "unknown action 'frobnicate'; use set, delete or rename"),
    (
      ["meta", model, "set", "general.name=x", "--in-place"],
      "the action comes first: spindle meta set \(model) general.name=x --in-place"
    ),
    (["meta"], "name an action: spindle meta set|delete|rename PATH …"),
  ])
  func metaUsageErrors(arguments: [String], message: String) throws {
    let result = try SpindleProcess.run(arguments)
    #expect(result.status == 64)
    #expect(result.stderr.contains(message), "\(result.stderr)")
  }

  /// The `--json` documents come from one encoder: the same names for the same things.
  @Test func jsonDocumentsShareNames() throws {
    let inspect = try JSONValue.parse(
      try SpindleProcess.run("inspect", Self.model, "--json").stdout)
    #expect(
      inspect.object?.keys == [
        "path", "format", "version", "endianness", "alignment", "files", "metadata", "tensors",
        "totals",
      ])
    #expect(inspect["files"]?.array?.first?.object?.keys == ["path", "bytes", "header_bytes"])
    #expect(
      inspect["totals"]?.object?.keys == ["tensors", "parameters", "data_bytes", "file_bytes"])
    let tensorsOnly = try JSONValue.parse(
      try SpindleProcess.run("inspect", Self.model, "--tensors", "--json").stdout)
    #expect(
      tensorsOnly.object?.keys == [
        "path", "format", "version", "endianness", "alignment", "tensors", "totals",
      ])

    let validate = try JSONValue.parse(
      try SpindleProcess.run("validate", Self.model, "--json").stdout)
    #expect(
      validate.object?.keys == [
        "path", "passed", "format", "problems", "warnings", "rope_table_problems",
      ])
    #expect(validate["passed"] == .bool(true))
    #expect(validate["format"] == inspect["format"])
    let broken = try SpindleProcess.run(
      "validate", "fixtures/malformed/gguf/03-bad-version-0.gguf", "--json")
    #expect(broken.status == 1)
    let problem = try #require(try JSONValue.parse(broken.stdout)["problems"]?.array?.first)
    #expect(problem.object?.keys == ["kind", "path", "offset", "name", "message"])
    #expect(problem["kind"] == .string("unsupportedVersion"))
    #expect(problem["name"] == .null)

    let verify = try JSONValue.parse(
      try SpindleProcess.run(
        "verify", Self.model, "--structure-only", "--numerics", "llama.cpp", "--json"
      ).stdout)
    #expect(
      verify.object?.keys == [
        "path", "against", "passed", "checks", "settings", "plan", "seconds",
      ])
    #expect(verify["against"] == .null)
    #expect(verify["settings"]?["numerics"] == .string("llama.cpp"))
    #expect(
      verify["checks"]?.array?.first?.object?.keys == [
        "name", "status", "figure", "value", "threshold", "message", "details", "data",
      ])

    let bench = try SpindleProcess.run(
      "bench", Self.model, "-p", "4", "-n", "0", "-r", "1", "--context", "8", "--json")
    #expect(bench.status == 0, "\(bench.stderr)")
    let lines = bench.stdout.split(separator: "\n").map(String.init)
    try #require(lines.count == 2)
    let context = try JSONValue.parse(lines[0])
    #expect(
      context.object?.keys == [
        "test", "numerics", "threads", "kernels", "tokens", "seconds", "attention_seconds",
        "peak_rss_bytes",
      ])
    // Attention's own wall time is part of the pass's, and not nothing.
    let seconds = try #require(context["seconds"]?.number.flatMap { Double($0.text) })
    let attention = try #require(
      context["attention_seconds"]?.number.flatMap { Double($0.text) })
    #expect(attention > 0 && attention < seconds, "\(attention) of \(seconds) s")
    #expect(
      try JSONValue.parse(lines[1]).object?.keys == [
        "test", "numerics", "threads", "kernels", "tokens", "repetitions", "mean_seconds",
        "tokens_per_second", "stddev_tokens_per_second",
      ])
  }
}
