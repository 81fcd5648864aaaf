import Formats
import Foundation
import TestSupport
import Testing

/// `spindle eval-context --protocol llama.cpp` against `llama-perplexity` itself: SmolLM2-135M
/// F32, the first 12,000 bytes of the probe text, `-c 512` (5 chunks), no scaling, linear ×4 and
/// YaRN ×4, recorded by `fixtures/eval-context/record.sh` in
/// `fixtures/eval-context/llama-perplexity.json` (llama.cpp's defaults: flash attention on).
/// Each perplexity must agree within 1 % (measured: within 0.01 %). Release suite only
/// (`make release-tests`); about 20 s.
@Suite("SmolLM2 eval-context agrees with llama-perplexity")
struct SmolLM2EvalContextTests {
  static var model: String? {
    #if DEBUG
    return nil
    #else
    return FileManager.default.fileExists(atPath: SmolLM2Models.float) ? SmolLM2Models.float : nil
    #endif
  }

  @Test(
    .enabled(if: model != nil, "needs SmolLM2 F32 (`make smollm2`) and a release build"),
    .timeLimit(.minutes(10)))
  func llamaCppProtocolMatchesLlamaPerplexity() throws {
    let model = try #require(Self.model)
    let recorded = try Repository.recordedJSON("eval-context/llama-perplexity.json")
    let folder = try Scratch.folder("eval-context")
    defer { Scratch.cleanUp(folder) }
    let text = "\(folder)/text.txt"
    let python = Process()
    python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    python.arguments = ["python3", "\(Repository.root)/fixtures/long-context/probe_text.py"]
    let pipe = Pipe()
    python.standardOutput = pipe
    try python.run()
    let bytes = pipe.fileHandleForReading.readDataToEndOfFile().prefix(12_000)
    python.waitUntilExit()
    try Data(bytes).write(to: URL(fileURLWithPath: text))

    let run = try SpindleProcess.run([
      "eval-context", model, "--text", text, "--lengths", "512", "--protocol", "llama.cpp",
      "--methods", "none,linear,yarn", "--factor", "4", "--json", "--quiet",
    ])
    try #require(run.status == 0, "\(run.stderr)")
    let document = try JSONValue.parse(run.stdout)
    // The same text as recorded (the probe depends on the Python version).
    #expect(
      document["texts"]?.array?.first?["sha256"]?.string == recorded["text"]?["sha256"]?.string,
      "the probe text differs from the recorded one (Python \(recorded["text"]?["python"]?.string ?? "?"))"
    )
    for (index, name) in ["none", "linear", "yarn"].enumerated() {
      let result = try #require(document["results"]?.array?[index])
      #expect(result["method"]?.string == name)
      #expect(result["scored_tokens"]?.number?.int == 5 * 255)
      let ours = try #require(result["perplexity"]?.number?.double)
      let theirs = try #require(recorded["perplexity"]?[name]?.number?.double)
      #expect(abs(ours / theirs - 1) < 0.01, "\(name): spindle \(ours), llama-perplexity \(theirs)")
    }

    // llama.cpp's numerics with its default flash attention: llama-perplexity's figures to the
    // four decimals it prints, for its AVX-512 build and its AVX2 one (which differ there:
    // 15.2533 and 15.2531 unscaled).
    for (build, file) in [
      ("avx512", "llama-perplexity.json"), ("avx2", "llama-perplexity-avx2.json"),
    ] {
      let recorded = try Repository.recordedJSON("eval-context/\(file)")
      let mirrored = try SpindleProcess.run([
        "eval-context", model, "--text", text, "--lengths", "512", "--protocol", "llama.cpp",
        "--methods", "none,linear,yarn", "--factor", "4", "--numerics", "llama.cpp", "--threads",
        "2", "--llama-cpp-build", build, "--json", "--quiet",
      ])
      try #require(mirrored.status == 0, "\(mirrored.stderr)")
      let llamaCpp = try JSONValue.parse(mirrored.stdout)
      #expect(llamaCpp["flash_attention"]?.bool == true)
      for (index, name) in ["none", "linear", "yarn"].enumerated() {
        let ours = try #require(llamaCpp["results"]?.array?[index]["perplexity"]?.number?.double)
        let theirs = try #require(recorded["perplexity"]?[name]?.number?.double)
        #expect(
          String(format: "%.4f", ours) == String(format: "%.4f", theirs),
          "\(build) \(name): spindle \(ours), llama-perplexity \(theirs)")
      }
    }
  }
}
