import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A one-line "step k of n, what runs, seconds elapsed" display on stderr for long checks.
///
/// The forward pass cannot report inside a step, so a timer redraws the elapsed time every
/// second. Hidden for the first second, when stderr is not a terminal, and with `--quiet`.
final class StageProgress: @unchecked Sendable {
  private struct State {
    var line = ""
    var stepStarted = 0.0
    var drawn = false
  }

  private let state = Mutex(State())
  private let started = StageProgress.now()
  private let timer: DispatchSourceTimer?

  init(quiet: Bool) {
    guard !quiet && Terminal.stderrIsTerminal else {
      timer = nil
      return
    }
    let source = DispatchSource.makeTimerSource(queue: .global())
    timer = source
    source.schedule(deadline: .now() + 1, repeating: 1)
    source.setEventHandler { [weak self] in self?.draw() }
    source.resume()
  }

  /// A new step begins.
  func update(step: Int, of count: Int, _ label: String) {
    guard timer != nil else { return }
    state.withLock {
      $0.line = "verify [\(step)/\(count)] \(label)"
      $0.stepStarted = Self.now()
    }
    draw()
  }

  /// Stops the display and clears its line.
  func finish() {
    timer?.cancel()
    let drawn = state.withLock { state in
      defer { state.drawn = false }
      return state.drawn
    }
    if drawn { Terminal.printError("\r\u{1B}[K", newline: false) }
  }

  private func draw() {
    let now = Self.now()
    guard now - started >= 1 else { return }
    let text = state.withLock { state -> String in
      state.drawn = true
      return "\r\(state.line) … \(Int(now - state.stepStarted)) s\u{1B}[K"
    }
    Terminal.printError(text, newline: false)
  }

  private static func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
  }
}
