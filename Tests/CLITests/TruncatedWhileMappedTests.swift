import Formats
import Foundation
import TestSupport
import Testing

/// A checkpoint truncated by another process while Spindle has it mapped: exit 1 naming the
/// file and both sizes, never death by SIGBUS, and no output under the final name.
@Suite("Input truncated while mapped")
struct TruncatedWhileMappedTests {
  /// 4 MiB of F16 weights (two tensors), so the data runs far past the cut.
  static func writeModel(to path: String) throws {
    var writer = try GGUFWriter(path: path)
    try writer.add("general.architecture", .string("llama"))
    for name in ["a.weight", "b.weight"] {
      let bytes = (0..<(2 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 0x3C) }
      try writer.addTensor(name, dtype: .f16, shape: [1024, 1024], data: .bytes(bytes))
    }
    try writer.write()
  }

  static let cut = 65_536

  /// Runs `spindle arguments…`, calls `meanwhile` while it waits after opening its input.
  ///
  /// Synchronous: the child is started, not awaited, so no concurrency thread blocks.
  static func run(_ arguments: [String], pausedIn folder: String, meanwhile: () throws -> Void)
    throws -> (status: Int32, stderr: String, signaled: Bool)
  {
    let flag = "\(folder)/paused"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: SpindleProcess.executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging([
      "SPINDLE_PAUSE_AT": "after-open:\(flag)"
    ]) { $1 }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    var waited = 0
    while !FileManager.default.fileExists(atPath: flag) && process.isRunning && waited < 6000 {
      usleep(10_000)
      waited += 1
    }
    try #require(FileManager.default.fileExists(atPath: flag), "the process did not pause")
    try meanwhile()
    try FileManager.default.removeItem(atPath: flag)
    _ = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (
      process.terminationStatus, String(decoding: stderr, as: UTF8.self),
      process.terminationReason == .uncaughtSignal
    )
  }

  @Test(arguments: [["rewrite"], ["rewrite", "--dtype", "f32"]])
  func truncationMidReadIsAnErrorNotASignal(command: [String]) throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let input = "\(folder)/model.gguf"
    let output = "\(folder)/out.gguf"
    try Self.writeModel(to: input)
    let size = try #require(try FileManager.default.attributesOfItem(atPath: input)[.size] as? Int)
    // The process has mapped and parsed the file and waits: cut it, then let it go on.
    let result = try Self.run(command + [input, "-o", output], pausedIn: folder) {
      #expect(truncate(input, off_t(Self.cut)) == 0)
    }
    #expect(!result.signaled, "ended by signal \(result.status)")
    #expect(result.status == 1)
    #expect(
      result.stderr.contains(
        "\(input) @\(Self.cut): file changed while reading (was \(size) bytes, now \(Self.cut)); nothing read from it is kept [fileChanged]"
      ), "\(result.stderr)")
    #expect(try Scratch.list(folder) == ["model.gguf"])
  }
}
