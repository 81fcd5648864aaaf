import Formats
import Foundation
import TestSupport
import Testing

/// A binary built on this machine runs, correctly, on older x86-64 CPUs: under qemu's CPU
/// models (qemu-user, installed by `make test`) the kernels choose the level that CPU has and
/// give this machine's tokens; a level above it is refused instead of faulting.
/// qemu's user-mode x86-64 emulator, if installed.
enum QemuUser {
  static let path: String? = {
    #if arch(x86_64)
    return ["/usr/bin/qemu-x86_64", "/usr/local/bin/qemu-x86_64"].first {
      FileManager.default.isExecutableFile(atPath: $0)
    }
    #else
    return nil
    #endif
  }()

}

@Suite(
  "Portable binary",
  .enabled(if: QemuUser.path != nil, "qemu-x86_64 absent (make test installs qemu-user)"))
struct PortableBinaryTests {
  static let tiny = "fixtures/gguf/tiny-llama.gguf"

  /// `spindle arguments…` on qemu's model of `cpu`.
  static func run(
    on cpu: String, _ arguments: [String], environment: [String: String] = [:]
  ) throws -> SpindleProcess.Output {
    try SpindleProcess.run(
      arguments, environment: environment, launcher: [QemuUser.path ?? "qemu-x86_64", "-cpu", cpu])
  }

  /// Nehalem: SSE4.2, no AVX (baseline kernels); Haswell: AVX2, FMA, F16C, no AVX-512. Neither
  /// runs llama.cpp's AVX-512 build, so llama.cpp numerics follow its AVX2 one by default.
  @Test(arguments: [("Nehalem", "baseline"), ("Haswell", "avx2")])
  func theLevelFollowsTheCPU(cpu: String, level: String) throws {
    let bench = try Self.run(
      on: cpu,
      [
        "bench", Self.tiny, "-p", "4", "-n", "1", "-r", "1", "-t", "1", "--json", "--numerics",
        "llama.cpp",
      ])
    #expect(bench.status == 0 && !bench.signaled, "\(bench.stderr)")
    let lines = bench.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 2)
    for line in lines {
      #expect(try JSONValue.parse(line)["kernels"]?.string == level)
      #expect(try JSONValue.parse(line)["llama_cpp_build"]?.string == "avx2")
    }
  }

  /// Each llama.cpp build's sums are the same on every level: pinned here, since the
  /// default follows the CPU.
  @Test(
    arguments: ["Nehalem", "Haswell"],
    [
      ["--numerics", "exact"], ["--numerics", "llama.cpp", "--llama-cpp-build", "avx512"],
      ["--numerics", "llama.cpp", "--llama-cpp-build", "avx2"],
    ])
  func theTokensAreThisMachines(cpu: String, numerics: [String]) throws {
    let arguments = ["run", Self.tiny, "--prompt", "hello world", "-n", "12", "--json"] + numerics
    let here = try SpindleProcess.run(arguments)
    #expect(here.status == 0, "\(here.stderr)")
    let there = try Self.run(on: cpu, arguments)
    #expect(there.status == 0 && !there.signaled, "\(there.stderr)")
    let generated = try JSONValue.parse(here.stdout)["generated"]?.array
    #expect(generated?.count == 12)
    #expect(try JSONValue.parse(there.stdout)["generated"]?.array == generated)
  }

  @Test func aLevelAboveTheCPUIsRefused() throws {
    let result = try Self.run(
      on: "Haswell", ["run", Self.tiny, "--prompt", "a", "-n", "1"],
      environment: ["SPINDLE_KERNELS": "avx512"])
    #expect(result.status == 64 && !result.signaled)
    #expect(
      result.stderr.contains(
        "SPINDLE_KERNELS=avx512 asks for more than this machine runs: the highest level here is avx2"
      ))
  }
}
