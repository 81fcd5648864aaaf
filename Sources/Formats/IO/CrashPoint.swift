#if canImport(Glibc)
import Glibc
#endif

/// Named points in a file edit where tests can make the process die (`SIGKILL`), to check
/// that the file is always either the old or the new bytes.
///
/// Set `SPINDLE_CRASH_AT` to a point's raw value; unset, ``reach(_:)`` costs one `getenv`.
/// `SIGKILL` cannot be caught, so no cleanup runs, exactly as in a power cut after the last
/// fsync (data not yet fsync'd may survive; the protocol never depends on it being lost).
public enum CrashPoint: String, Sendable, CaseIterable {
  /// Half of the undo journal written (under its temporary name).
  case midJournalWrite = "mid-journal-write"
  /// The journal written, fsync'd and renamed; the file not yet touched.
  case afterJournalWrite = "after-journal-write"
  /// Half of the new header written over the old one.
  case midHeaderWrite = "mid-header-write"
  /// The new header written and fsync'd; the journal still present.
  case beforeJournalDelete = "before-journal-delete"
  /// A rewrite's temporary file half written.
  case midRewriteCopy = "mid-rewrite-copy"
  /// A rewrite's temporary file complete, not yet renamed over the original.
  case beforeRename = "before-rename"
  /// `spindle restore` halfway through putting the old header back.
  case midRestore = "mid-restore"

  /// The point named by `SPINDLE_CRASH_AT`, if any.
  public static var requested: CrashPoint? {
    guard let value = getenv("SPINDLE_CRASH_AT") else { return nil }
    return CrashPoint(rawValue: String(cString: value))
  }

  /// Kills the process with `SIGKILL` when `SPINDLE_CRASH_AT` names `point`.
  public static func reach(_ point: CrashPoint) {
    if requested == point { kill(getpid(), SIGKILL) }
  }
}
