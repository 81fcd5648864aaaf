import Tensors

#if canImport(Glibc)
import Glibc
#endif

/// What a reader compares before and after parsing a file's header to know that no in-place
/// edit ran meanwhile, so it never keeps a half-written header.
///
/// An in-place edit holds an exclusive `flock` on the file from before its journal is
/// written until the journal has become the undo record, and writes the header only while
/// `FILE.spindle-journal` exists. A reader that finds a journal and the lock held waits
/// (``EditWaiting``, ``UndoJournal/requireNoJournal(for:)``) for the edit to finish;
/// after parsing, a journal present, a changed file identity (size, modification time) or an
/// undo record with a new inode (an edit ran whole in between) sends it back to read again.
/// Edits by programs that neither lock nor journal are not seen.
struct EditWatch: Equatable {
  var file: FileIdentity?
  var undoInode: UInt64?
  var journal: Bool

  /// The state of `path` now.
  static func current(_ path: String) -> EditWatch {
    let journalPresent =
      ((try? Syscalls.pathStatus(UndoJournal.journalPath(for: path))) ?? nil) != nil
    return EditWatch(
      file: (try? FileIdentity.current(at: path)) ?? nil,
      undoInode: ((try? Syscalls.pathStatus(UndoJournal.undoPath(for: path))) ?? nil).map {
        UInt64($0.st_ino)
      },
      journal: journalPresent)
  }

  /// Whether another open file holds an exclusive `flock` on `path`.
  static func isLocked(_ path: String) -> Bool {
    guard let fd = try? Syscalls.open(path, flags: O_RDONLY) else { return false }
    defer { _ = close(fd) }
    return (try? Syscalls.lockShared(fd, path: path)) == false
  }
}
