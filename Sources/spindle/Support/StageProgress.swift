import Dispatch
import Evaluation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A one-line "step k of n, what runs, how far" display on stderr for long steps.
///
/// A timer redraws it every second: the step's share done and the time its own pace leaves
/// when the step reports a share (``advance(_:)``), else the seconds elapsed. Hidden for the
/// first second, when stderr is not a terminal, and with `--quiet`.
final class StageProgress: @unchecked Sendable {
  private struct State {
    var line = ""
    var stepStarted = 0.0
    var share: Double?
    var drawn = false
  }

  private let command: String
  private let state = Mutex(State())
  private let started = StageProgress.now()
  private let timer: DispatchSourceTimer?

  /// A display for `command`'s steps (`verify [2/5] …`).
  init(command: String, quiet: Bool) {
    self.command = command
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
      $0.line = "\(command) [\(step)/\(count)] \(label)"
      $0.stepStarted = Self.now()
      $0.share = nil
    }
    draw()
  }

  /// The running step's share done, 0…1.
  func advance(_ share: Double) {
    guard timer != nil else { return }
    state.withLock { $0.share = share }
  }

  /// Ends the running step with `line` on stderr, in place of the display (which shows again
  /// at the next step).
  func report(_ line: String) {
    state.withLock { state in
      Terminal.printError((state.drawn ? "\r\u{1B}[K" : "") + line)
      state.drawn = false
      state.line = ""
    }
  }

  /// Stops the display and clears its line.
  func finish() {
    timer?.cancel()
    state.withLock { state in
      if state.drawn { Terminal.printError("\r\u{1B}[K", newline: false) }
      state.drawn = false
    }
  }

  private func draw() {
    let now = Self.now()
    guard now - started >= 1 else { return }
    state.withLock { state in
      guard !state.line.isEmpty else { return }
      let elapsed = now - state.stepStarted
      let progress: String
      if let share = state.share, share > 0 {
        let left = elapsed * (1 - min(share, 1)) / share
        progress = "\(Int(share * 100)) %, about \(RemainingTime.text(left)) left in this step"
      } else {
        progress = "\(Int(elapsed)) s"
      }
      Terminal.printError("\r\(state.line) … \(progress)\u{1B}[K", newline: false)
      state.drawn = true
    }
  }

  private static func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
  }
}
