import Foundation

/// Runs the `spindle` binary built next to the test bundle.
public enum SpindleProcess {
  public struct Output: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// Whether a signal ended the process (``status`` is then the signal number).
    public var signaled = false
  }

  public static let executable: String = {
    let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
    return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("spindle")
      .path
  }()

  /// Runs `spindle arguments…` in the repository root and collects its output; with a
  /// `launcher` (an emulator and its options), runs `launcher… spindle arguments…`.
  public static func run(
    _ arguments: [String], environment: [String: String] = [:], launcher: [String] = []
  ) throws -> Output {
    let process = Process()
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    process.executableURL = URL(fileURLWithPath: launcher.first ?? executable)
    process.arguments =
      launcher.isEmpty ? arguments : launcher.dropFirst() + [executable] + arguments
    process.currentDirectoryURL = URL(fileURLWithPath: Repository.root)
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Output(
      status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
      stderr: String(decoding: stderr, as: UTF8.self),
      signaled: process.terminationReason == .uncaughtSignal)
  }

  public static func run(_ arguments: String...) throws -> Output { try run(arguments) }
}
