#if canImport(Glibc)
import Glibc
#endif

/// Named points where a test can hold the process still, to change its input underneath it
/// (truncate a mapped file) at a known moment.
///
/// Set `SPINDLE_PAUSE_AT` to `<point>:<flag file>`: on reaching the point the process creates
/// the flag file and waits until the test deletes it (at most 60 s). Unset, ``reach(_:)``
/// costs one `getenv`.
public enum PausePoint: String, Sendable, CaseIterable {
  /// ``Checkpoint/open(_:)`` has mapped and parsed the checkpoint; no tensor byte read yet.
  case afterOpen = "after-open"

  /// Waits for the test when `SPINDLE_PAUSE_AT` names `point`.
  public static func reach(_ point: PausePoint) {
    guard let value = getenv("SPINDLE_PAUSE_AT") else { return }
    let request = String(cString: value)
    let prefix = point.rawValue + ":"
    guard request.hasPrefix(prefix) else { return }
    let flag = String(request.dropFirst(prefix.count))
    let fd = open(flag, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { return }
    close(fd)
    var waited = 0
    while access(flag, F_OK) == 0 && waited < 6000 {
      usleep(10_000)
      waited += 1
    }
  }
}
