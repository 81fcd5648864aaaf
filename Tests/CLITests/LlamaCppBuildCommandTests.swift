import Formats
import Foundation
import Inference
import TestSupport
import Testing

/// `--llama-cpp-build auto|avx2|avx512`: which llama.cpp build's sums `--numerics llama.cpp`
/// follows; `auto` is the one llama.cpp runs on this CPU.
@Suite("--llama-cpp-build")
struct LlamaCppBuildCommandTests {
  static let tiny = "fixtures/gguf/tiny-llama.gguf"

  @Test(arguments: [
    ([], LlamaCppBuild.native.rawValue),
    (["--llama-cpp-build", "auto"], LlamaCppBuild.native.rawValue),
    (["--llama-cpp-build", "avx2"], "avx2"), (["--llama-cpp-build", "avx512"], "avx512"),
  ])
  func benchNamesTheBuild(_ option: [String], _ build: String) throws {
    let result = try SpindleProcess.run(
      ["bench", Self.tiny, "-p", "4", "-n", "0", "-r", "1", "--numerics", "llama.cpp", "--json"]
        + option)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try JSONValue.parse(result.stdout)["llama_cpp_build"]?.string == build)
    let text = try SpindleProcess.run(
      ["bench", Self.tiny, "-p", "4", "-n", "0", "-r", "1", "--numerics", "llama.cpp"] + option)
    #expect(text.stdout.contains(" build=\(build):"), "\(text.stdout)")
  }

  @Test func exactNumericsNameNoBuild() throws {
    let result = try SpindleProcess.run(
      "bench", Self.tiny, "-p", "4", "-n", "0", "-r", "1", "--llama-cpp-build", "avx2", "--json")
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try JSONValue.parse(result.stdout)["llama_cpp_build"] == nil)
  }

  @Test func anUnknownBuildIsAUsageError() throws {
    let result = try SpindleProcess.run(
      "run", Self.tiny, "--prompt", "a", "--numerics", "llama.cpp", "--llama-cpp-build", "avx3")
    #expect(result.status == 64)
    #expect(result.stderr.contains("the values are auto, avx2, avx512"), "\(result.stderr)")
  }
}
