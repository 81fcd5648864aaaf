import Foundation

/// Runs the `spindle` binary and kills it with `SIGKILL` after a random delay, from a seeded
/// generator so a failing run can be replayed.
///
/// The seed comes from `SPINDLE_KILL_SEED` (else the clock) and is printed; the number of
/// kills per command from `SPINDLE_KILL_ITERATIONS` (else the caller's default, kept small
/// so CI stays fast).
public struct RandomKill: Sendable {
  /// The generator's seed.
  public let seed: UInt64
  /// How many kills each scenario makes.
  public let iterations: Int
  private var state: UInt64

  /// A harness named `label` in the printed seed line.
  public init(_ label: String, iterations defaultIterations: Int) {
    let environment = ProcessInfo.processInfo.environment
    seed =
      environment["SPINDLE_KILL_SEED"].flatMap { UInt64($0) }
      ?? UInt64(Date().timeIntervalSince1970 * 1_000_000)
    iterations = environment["SPINDLE_KILL_ITERATIONS"].flatMap { Int($0) } ?? defaultIterations
    state = seed
    print("\(label): SIGKILL seed \(seed), \(iterations) kills (SPINDLE_KILL_SEED=\(seed) replays)")
  }

  /// The next delay in `0..<limit` seconds (SplitMix64).
  public mutating func delay(below limit: Double) -> Double {
    state &+= 0x9E37_79B9_7F4A_7C15
    var mixed = state
    mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
    mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
    mixed ^= mixed >> 31
    return Double(mixed >> 11) / Double(1 << 53) * limit
  }

  /// What happened to one run.
  public struct Ending: Sendable, CustomStringConvertible {
    /// Killed by the harness before it finished.
    public var killed: Bool
    /// Exit status when it finished.
    public var status: Int32
    /// Seconds it ran.
    public var seconds: Double

    public var description: String {
      killed ? "killed after \(seconds) s" : "finished with status \(status) in \(seconds) s"
    }
  }

  /// Starts `spindle arguments…` in the repository root, kills it after `delay` seconds unless
  /// it has finished, and waits for it. Output goes to /dev/null.
  public static func run(
    _ arguments: [String], environment: [String: String] = [:], killAfter delay: Double
  ) throws -> Ending {
    let process = Process()
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.executableURL = URL(fileURLWithPath: SpindleProcess.executable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: Repository.root)
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    let start = Date()
    try process.run()
    let deadline = start.addingTimeInterval(delay)
    while process.isRunning && Date() < deadline { usleep(500) }
    var killed = false
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      killed = true
    }
    process.waitUntilExit()
    killed = killed && process.terminationReason == .uncaughtSignal
    return Ending(
      killed: killed, status: process.terminationStatus,
      seconds: Date().timeIntervalSince(start))
  }

  /// Runs `spindle arguments…` to the end and returns how long it took (the range random
  /// delays are drawn from); `nil` when it failed.
  public static func timed(_ arguments: [String], environment: [String: String] = [:]) throws
    -> Double?
  {
    let ending = try run(arguments, environment: environment, killAfter: 600)
    return ending.killed || ending.status != 0 ? nil : ending.seconds
  }
}
