import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A test hook: system calls that fail on purpose, so tests can show what a full disk, a
/// read-only file system or a refused permission does to each command without mounting one.
///
/// `SPINDLE_FAULT` holds comma-separated rules `CALL:ERRNO[@N]`, read once at the first
/// system call: `write:ENOSPC@4096` lets 4096 bytes through (`pwrite` and `copy_file_range`
/// together, the write that crosses the limit cut short) and then fails every write with
/// `ENOSPC`; `open:EACCES` fails every open for writing (reading is never faulted, so inputs
/// still read); `fsync:EIO@1` and `rename:EXDEV` fail those calls after `N` successful ones
/// (default 0). Errors: `ENOSPC`, `EDQUOT`, `EIO`, `EACCES`, `EPERM`, `EROFS`, `EXDEV`.
/// `slow:MICROS` puts every write down in 4 KiB pieces with a pause of `MICROS` µs after each,
/// so a test's `SIGKILL` lands mid-write on a small file. An unreadable value stops the
/// process with status 64. Unset, each check costs one load.
public enum FaultInjection {
  /// The calls a rule can fail.
  public enum Call: String, Sendable, CaseIterable {
    case write, open, fsync, rename
  }

  struct Rule: Sendable {
    var call: Call
    var code: Int32
    /// Bytes (`write`) or calls (others) that succeed first.
    var allowance: Int
  }

  static let errorNames: [String: Int32] = [
    "ENOSPC": ENOSPC, "EDQUOT": EDQUOT, "EIO": EIO, "EACCES": EACCES, "EPERM": EPERM,
    "EROFS": EROFS, "EXDEV": EXDEV,
  ]

  static let settings: (rules: [Rule], pause: UInt32) = {
    guard let raw = getenv("SPINDLE_FAULT") else { return ([], 0) }
    let text = String(cString: raw)
    switch parse(text) {
    case .success(let settings): return settings
    case .failure(let problem):
      let line = "spindle: SPINDLE_FAULT=\(text): \(problem.message)\n"
      _ = line.withCString { Glibc.write(2, $0, strlen($0)) }
      exit(64)
    }
  }()

  struct Problem: Error { var message: String }

  /// Parses a `SPINDLE_FAULT` value.
  static func parse(_ text: String) -> Result<(rules: [Rule], pause: UInt32), Problem> {
    var rules: [Rule] = []
    var pause: UInt32 = 0
    for part in text.split(separator: ",") {
      let pieces = part.split(separator: ":", maxSplits: 1)
      if pieces.count == 2, pieces[0] == "slow" {
        guard let micros = UInt32(pieces[1]) else {
          return .failure(Problem(message: "'\(part)' should be slow:MICROSECONDS"))
        }
        pause = micros
        continue
      }
      guard pieces.count == 2, let call = Call(rawValue: String(pieces[0])) else {
        return .failure(
          Problem(
            message: "rule '\(part)' should be CALL:ERRNO[@N] or slow:MICROS, CALL one of "
              + Call.allCases.map(\.rawValue).joined(separator: ", ")))
      }
      let spec = pieces[1].split(separator: "@", maxSplits: 1)
      guard let code = errorNames[String(spec[0])] else {
        return .failure(
          Problem(
            message: "unknown error '\(spec[0])', expected one of "
              + errorNames.keys.sorted().joined(separator: ", ")))
      }
      var allowance = 0
      if spec.count == 2 {
        guard let number = Int(spec[1]), number >= 0 else {
          return .failure(Problem(message: "'@\(spec[1])' should be a count ≥ 0"))
        }
        allowance = number
      }
      rules.append(Rule(call: call, code: code, allowance: allowance))
    }
    return .success((rules, pause))
  }

  static var rules: [Rule] { settings.rules }

  /// The most a write may put down at once, and the pause after it (`slow:`).
  static func paced(_ count: Int) -> Int {
    settings.pause == 0 ? count : min(count, 4096)
  }

  /// Sleeps the `slow:` pause, if any, after a write.
  static func pause() {
    if settings.pause > 0 { usleep(settings.pause) }
  }

  /// Bytes written (for `write`) or calls made (others) so far, per call kind.
  private static let used = Mutex<[Call: Int]>([:])

  /// The error `call` must fail with now, or `nil`; counts the call.
  static func failure(_ call: Call) -> Int32? {
    guard let rule = rules.first(where: { $0.call == call }) else { return nil }
    return used.withLock { counts in
      let done = counts[call, default: 0]
      counts[call] = done + 1
      return done >= rule.allowance ? rule.code : nil
    }
  }

  /// How many of `count` bytes a write may put down before the disk is "full" (`count` when
  /// no rule applies), and the error to report for the rest; counts the bytes granted.
  static func writable(_ count: Int) -> (granted: Int, code: Int32?) {
    guard let rule = rules.first(where: { $0.call == .write }) else { return (count, nil) }
    return used.withLock { counts in
      let done = counts[.write, default: 0]
      let granted = max(0, min(count, rule.allowance - done))
      counts[.write] = done + granted
      return (granted, granted < count ? rule.code : nil)
    }
  }
}
