import Formats

#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on stderr for long writes: bytes, rate and time left.
///
/// It stays hidden for the first second (quick writes print nothing), when stderr is not a
/// terminal, and with `--quiet`; ``finish()`` ends the line it drew.
final class Progress {
  private let label: String
  private let enabled: Bool
  private let started = Progress.now()
  private var drawn = false
  private var lastPercent = -1

  init(label: String, quiet: Bool) {
    self.label = label
    self.enabled = !quiet && Terminal.stderrIsTerminal
  }

  /// Reports `done` of `total` bytes.
  func update(_ done: Int, of total: Int) {
    guard enabled, total > 0, Progress.now() - started >= 1 else { return }
    let percent = min(100, done * 100 / total)
    if percent == lastPercent { return }
    lastPercent = percent
    let width = 30
    let filled = percent * width / 100
    let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
    let elapsed = Progress.now() - started
    let rate = Double(done) / max(elapsed, 1e-3)
    let eta = rate > 0 ? Int((Double(total - done) / rate).rounded(.up)) : 0
    Terminal.printError(
      "\r\(label) [\(bar)] \(percent)% \(humanBytes(done)) / \(humanBytes(total)),"
        + " \(humanBytes(Int(rate)))/s, ETA \(eta) s\u{1B}[K",
      newline: false)
    drawn = true
  }

  /// Ends the progress line, if one was drawn.
  func finish() {
    if drawn { Terminal.printError("") }
    drawn = false
  }

  private static func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
  }
}
