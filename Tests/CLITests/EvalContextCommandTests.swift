import Formats
import Foundation
import TestSupport
import Testing

/// `spindle eval-context` on the tiny llama (context 256): options refused before any work,
/// the table, CSV and JSON, and what each protocol scores.
@Suite("eval-context command")
struct EvalContextCommandTests {
  static let model = Repository.fixture("architectures/gguf/llama.gguf")

  /// A text of `count` plain words (the tiny vocabulary has no newline token), about two
  /// tokens a word.
  static func text(in folder: String, words count: Int = 600) throws -> String {
    let words = ["alpha", "beta", "gamma", "delta", "river", "stone", "light", "north"]
    let text = (0..<count).map { words[($0 * 5 + $0 / 7) % words.count] }.joined(separator: " ")
    let path = "\(folder)/text.txt"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test(arguments: [
    (["--lengths", "1"], "Error: --lengths must be 2…16777216 tokens, not 1"),
    (["--factor", "0.5"], "Error: a factor must be >= 1, not 0.5"),
    (
      ["--methods", "yarn,rope"],
      "Error: The value 'yarn,rope' is invalid for '--methods <m,m,…>': unknown method 'rope';"
        + " the methods are none, linear, ntk, dynamic-ntk, yarn, dynamic-yarn, as-stamped"
    ),
    (
      ["--stride", "64", "--protocol", "llama.cpp"],
      "Error: --stride slides windows in the truncate"
    ),
    (["--stride", "300", "--lengths", "128,256"], "Error: --stride must be 1…128 (the shortest"),
    (["--json", "--csv"], "Error: --json and --csv both choose the output; give one"),
    (["--plot", "out.png"], "Error: --plot writes SVG; name a file ending in .svg, not 'out.png'"),
  ])
  func badOptionsAreUsageErrors(options: [String], message: String) throws {
    let result = try SpindleProcess.run(
      ["eval-context", Self.model, "--text", "t.txt"] + options)
    #expect(result.status == 64)
    #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
  }

  /// Without --text the default texts are read from $SPINDLE_TEXTS/kjv (what `make
  /// eval-texts` writes), cited from its MANIFEST; when they are missing the error says how to
  /// get them.
  @Test func theDefaultTextsComeFromTheTextsFolder() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let missing = try SpindleProcess.run(
      ["eval-context", Self.model, "--lengths", "64", "--methods", "none"],
      environment: ["SPINDLE_TEXTS": folder])
    #expect(missing.status == 1)
    #expect(
      missing.stderr
        == "Error: no --text given and the default texts are not in \(folder)/kjv: run `make"
        + " eval-texts` (six books of the King James Version from Debian's bible-kjv-text), or"
        + " give --text FILE\n")
    try FileManager.default.createDirectory(
      atPath: folder + "/kjv", withIntermediateDirectories: true)
    for name in ["B", "A"] {
      _ = try Self.text(in: folder + "/kjv", words: 100)
      try FileManager.default.moveItem(
        atPath: folder + "/kjv/text.txt", toPath: folder + "/kjv/\(name).txt")
    }
    try "Six books.\nSource: test.\nabc  A.txt\n".write(
      toFile: folder + "/kjv/MANIFEST", atomically: true, encoding: .utf8)
    let run = try SpindleProcess.run(
      ["eval-context", Self.model, "--lengths", "64", "--methods", "none", "--json", "--quiet"],
      environment: ["SPINDLE_TEXTS": folder])
    try #require(run.status == 0, "\(run.stderr)")
    let document = try JSONValue.parse(run.stdout)
    #expect(document["text_source"]?.string == "Six books. Source: test.")
    #expect(
      document["texts"]?.array?.map { $0["path"]?.string } == [
        "\(folder)/kjv/A.txt", "\(folder)/kjv/B.txt",
      ])
  }

  @Test func asStampedNeedsAStampedModel() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let result = try SpindleProcess.run([
      "eval-context", Self.model, "--text", try Self.text(in: folder), "--lengths", "64",
      "--methods", "none,as-stamped",
    ])
    #expect(result.status == 1)
    #expect(
      result.stderr
        == "Error: \(Self.model): as-stamped needs a model that carries a scaling; this one"
        + " declares none\n")
  }

  /// A text shorter than a length asks: exit 1, saying how many tokens were needed.
  @Test func aTextTooShortIsAnError() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let result = try SpindleProcess.run([
      "eval-context", Self.model, "--text", try Self.text(in: folder), "--lengths", "4096",
      "--methods", "none", "--quiet",
    ])
    #expect(result.status == 1)
    #expect(result.stderr.contains("no text has the 4096 tokens length 4096 needs"))
  }

  /// The JSON names the text by its SHA-256 and token count; within the window the dynamic
  /// methods score what none scores, past it they differ; every protocol's counts are its own.
  @Test func jsonResultsFollowTheProtocol() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let text = try Self.text(in: folder)
    let run = try SpindleProcess.run([
      "eval-context", Self.model, "--text", text, "--lengths", "128,320",
      "--methods", "none,dynamic-ntk,dynamic-yarn,yarn", "--json", "--quiet", "--plot",
      "\(folder)/plot.svg",
    ])
    try #require(run.status == 0, "\(run.stderr)")
    let document = try JSONValue.parse(run.stdout)
    #expect(document["texts"]?.array?.first?["sha256"]?.string == (try Self.sha256(text)))
    #expect(document["protocol"]?.string == "truncate")
    #expect(document["original_context_length"]?.number?.int == 256)
    let results = try #require(document["results"]?.array)
    #expect(results.count == 8)
    func perplexity(_ method: String, _ length: Int) -> String? {
      results.first {
        $0["method"]?.string == method && $0["length"]?.number?.int == length
      }?["perplexity"]?.number?.text
    }
    #expect(perplexity("dynamic-ntk", 128) == perplexity("none", 128))
    #expect(perplexity("dynamic-yarn", 128) == perplexity("none", 128))
    #expect(perplexity("dynamic-ntk", 320) != perplexity("none", 320))
    #expect(perplexity("yarn", 128) != perplexity("none", 128))
    // truncate: one pass of N tokens, N − 1 predictions.
    #expect(
      results.allSatisfy { $0["scored_tokens"]?.number?.int == $0["length"]!.number!.int! - 1 })
    #expect(results.first { $0["method"]?.string == "yarn" }?["factor"]?.number?.double == 4)
    #expect(results.first { $0["method"]?.string == "none" }?["factor"] == .null)
    // The plot: a line per method, the window marked.
    let svg = try String(contentsOfFile: "\(folder)/plot.svg", encoding: .utf8)
    #expect(svg.components(separatedBy: "<polyline ").count - 1 == 4)
    #expect(svg.contains("original window 256"))
  }

  /// `sha256sum FILE`'s digest.
  static func sha256(_ path: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return String(output.prefix(64))
  }

  @Test func tableAndCSV() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let text = try Self.text(in: folder, words: 260)
    let arguments = [
      "eval-context", Self.model, "--text", text, "--lengths", "64,256", "--methods",
      "none,linear", "--factors", "2,4", "--protocol", "llama.cpp", "--quiet",
    ]
    let table = try SpindleProcess.run(arguments)
    try #require(table.status == 0, "\(table.stderr)")
    let lines = table.stdout.split(separator: "\n").map(String.init)
    #expect(
      lines.first
        == "perplexity by context length (llama.cpp protocol, 1 text, original window 256):")
    #expect(lines.count == 5)
    #expect(lines[1].hasPrefix("method") && lines[1].hasSuffix("256 (window)"))
    #expect(lines[2].hasPrefix("none "))
    #expect(lines[3].hasPrefix("linear ×2 "))
    #expect(lines[4].hasPrefix("linear ×4 "))
    let csv = try SpindleProcess.run(arguments + ["--csv"])
    let rows = csv.stdout.split(separator: "\n")
    let header =
      "test,method,factor,length,depth,perplexity,mean_nll,scored_tokens,texts,"
      + "passkey_correct,passkey_trials,seconds"
    #expect(rows.first.map(String.init) == header)
    #expect(rows.count == 7)
    // llama.cpp protocol at 64: whole chunks of the text, 64 − 1 − 32 predictions each.
    let fields = rows[1].split(separator: ",", omittingEmptySubsequences: false)
    #expect(
      fields[0] == "perplexity" && fields[1] == "none" && fields[2] == "" && fields[3] == "64")
    #expect(Int(fields[7])! % 31 == 0)
  }

  /// `--passkey` alone (no texts): one row per method and length (and depth), as a table and
  /// in JSON with the trials asked for.
  @Test func passkeyWithoutTexts() throws {
    let arguments = [
      "eval-context", Self.model, "--passkey", "--lengths", "300", "--methods", "none",
      "--trials", "2", "--depths", "0.5", "--quiet",
    ]
    let table = try SpindleProcess.run(arguments)
    try #require(table.status == 0, "\(table.stderr)")
    let lines = table.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first == "passkey retrieval, correct of 2 trials:")
    #expect(lines[1] == "method     300")
    #expect(lines[2].hasPrefix("none @0.5") && lines[2].hasSuffix("/2"))
    let json = try JSONValue.parse(try SpindleProcess.run(arguments + ["--json"]).stdout)
    let result = try #require(json["passkey"]?.array?.first)
    #expect(result["trials"]?.number?.int == 2)
    #expect(result["depth"]?.number?.double == 0.5)
    #expect(result["length"]?.number?.int == 300)
    #expect(json["results"]?.array?.isEmpty == true)
  }

  /// Each cell's line says how long the rest should take, from the cells measured so far and
  /// the operations each remaining cell costs; the last cell's line says nothing more.
  @Test func progressLinesEstimateTheTimeLeft() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let text = try Self.text(in: folder, words: 200)
    let run = try SpindleProcess.run([
      "eval-context", Self.model, "--text", text, "--methods", "none,yarn", "--lengths", "32,64",
    ])
    try #require(run.status == 0, "\(run.stderr)")
    let lines = run.stderr.split(separator: "\n").filter { $0.hasPrefix("eval-context [") }
    try #require(lines.count == 4, "\(run.stderr)")
    for line in lines.prefix(3) {
      #expect(line.contains(" s, about ") && line.hasSuffix(" left"), "\(line)")
    }
    #expect(lines[3].hasPrefix("eval-context [4/4] yarn ×4 at 64: perplexity "))
    #expect(!lines[3].contains("left"), "\(lines[3])")
  }

  /// `--resume FILE`: a second run keeps the results the first saved (exactly) and computes
  /// only the new ones; a run with other settings refuses the file.
  @Test func anInterruptedRunResumes() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let text = try Self.text(in: folder, words: 200)
    let saved = "\(folder)/results.json"
    let base = ["eval-context", Self.model, "--text", text, "--methods", "none", "--resume", saved]
    let first = try SpindleProcess.run(base + ["--lengths", "64"])
    try #require(first.status == 0, "\(first.stderr)")
    let earlier = try JSONValue.parse(try String(contentsOfFile: saved, encoding: .utf8))
    let second = try SpindleProcess.run(base + ["--lengths", "64,128", "--json"])
    try #require(second.status == 0, "\(second.stderr)")
    #expect(second.stderr.contains("[1/2] none at 64: perplexity "))
    #expect(second.stderr.contains(", saved by an earlier run\n"))
    #expect(second.stderr.contains("[2/2] none at 128: perplexity "))
    let results = try #require(try JSONValue.parse(second.stdout)["results"]?.array)
    #expect(results.count == 2)
    #expect(results[0] == earlier["results"]?.array?.first)
    #expect(
      try JSONValue.parse(try String(contentsOfFile: saved, encoding: .utf8))["results"]?.array?
        .count == 2)

    let other = try SpindleProcess.run(base + ["--lengths", "64", "--protocol", "llama.cpp"])
    #expect(other.status == 1)
    #expect(
      other.stderr
        == "Error: \(saved) holds another run's results (its protocol is \"truncate\", this run's"
        + " \"llama.cpp\"); remove it or name another file\n")
  }
}
