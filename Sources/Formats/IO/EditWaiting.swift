import Synchronization
import Tensors

#if canImport(Glibc)
import Glibc
#endif

/// How long Spindle waits for another process's in-place edit of the same file (its `flock`,
/// or its journal beside the file) before refusing, and the line it says while it waits.
///
/// One setting for the process: the command line sets it (`--wait SECONDS|forever`) before
/// any file is opened. An in-place edit holds the lock for milliseconds; a wait longer than
/// a second is announced once through ``notice``, naming the holder.
public enum EditWaiting {
  /// The wait when `--wait` is not given, in seconds.
  public static let defaultPatience = 10.0

  private struct Settings {
    var patience = EditWaiting.defaultPatience
    var notice: (@Sendable (String) -> Void)?
    var option: String?
  }

  private static let settings = Mutex(Settings())

  /// Seconds to wait for another editor before refusing; `.infinity` waits until it is done.
  public static var patience: Double {
    get { settings.withLock { $0.patience } }
    set { settings.withLock { $0.patience = max(0, newValue) } }
  }

  /// Where the one line announcing a long wait goes (the command line's standard error);
  /// `nil` says nothing.
  public static var notice: (@Sendable (String) -> Void)? {
    get { settings.withLock { $0.notice } }
    set { settings.withLock { $0.notice = newValue } }
  }

  /// The command-line option that sets ``patience`` in this command (`--wait`), which the
  /// notice and the refusal mention; `nil` when the command has none.
  public static var option: String? {
    get { settings.withLock { $0.option } }
    set { settings.withLock { $0.option = newValue } }
  }

  /// Polls `busy` every 50 ms while it says another process is editing `path`, for up to
  /// ``patience`` seconds; `false` when the wait ran out. After a second of waiting, says once
  /// who is being waited for (the holder of `path`'s lock, from `/proc/locks`).
  public static func wait(
    for path: String, while busy: () throws(FormatError) -> Bool
  ) throws(FormatError) -> Bool {
    let patience = self.patience
    let start = now()
    var announced = false
    while try busy() {
      let waited = now() - start
      if waited >= patience { return false }
      if !announced, waited >= 1, let notice {
        announced = true
        let holder = ((try? FileIdentity.current(at: path)) ?? nil).flatMap { LockHolder.of($0) }
        notice(
          "\(path): waiting for \(holder.map(\.description) ?? "another process") to finish"
            + " editing it (\(patience.isFinite ? "up to \(seconds(patience))" : "no limit")"
            + (option.map { "; \($0) to change)" } ?? ")"))
      }
      usleep(UInt32(min(0.05, max(0, patience - waited)) * 1_000_000))
    }
    return true
  }

  /// The refusal after a wait ran out, naming the lock's holder when `/proc/locks` shows it.
  public static func refusal(path: String) -> FormatError {
    let holder = ((try? FileIdentity.current(at: path)) ?? nil).flatMap { LockHolder.of($0) }
    return FormatError(
      .fileChanged, path: path,
      "another process is editing the file: "
        + (holder.map { "\($0) holds its lock" }
          ?? "a process /proc/locks does not show here (one in another PID namespace, such as"
          + " another container) holds its lock")
        + " (waited \(seconds(patience))); nothing was changed. Run the command again once it"
        + " has finished"
        + (option.map { ", or wait for it with \($0) SECONDS or \($0) forever" } ?? ""))
  }

  /// `2 s`, `0.5 s`.
  static func seconds(_ value: Double) -> String {
    value == value.rounded() && value < 1e15 ? "\(Int(value)) s" : "\(value) s"
  }

  private static func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
  }
}
