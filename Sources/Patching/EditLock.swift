import Formats
import Tensors

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive advisory lock (`flock`) on a file being edited, held until released or
/// dropped, so two Spindle processes never edit one file at once.
///
/// Taking it waits for another process's lock (``Formats/EditWaiting``: 10 s unless
/// `--wait` says otherwise; a reader holds a shared lock only while it parses the header),
/// then refuses, naming the holder's pid and command line from `/proc/locks`. Locks are
/// advisory: other programs that do not take them are not stopped.
public final class EditLock {
  private var fd: Int32

  /// Opens `path` read-only and locks it (a lock on a read-only descriptor is still exclusive).
  public init(path: String) throws(FormatError) {
    do { fd = try Syscalls.open(path, flags: O_RDONLY) } catch { throw FormatError(error) }
    do throws(FormatError) { try EditLock.acquire(fd, path: path) } catch {
      _ = close(fd)
      throw error
    }
  }

  deinit { release() }

  /// Gives the lock up (closing its descriptor).
  public func release() {
    if fd >= 0 { _ = close(fd) }
    fd = -1
  }

  /// Locks the open file `fd`, waiting for another holder as ``Formats/EditWaiting`` says.
  public static func acquire(_ fd: Int32, path: String) throws(FormatError) {
    let locked = try EditWaiting.wait(for: path) { () throws(FormatError) -> Bool in
      do throws(SystemError) { return !(try Syscalls.lockExclusively(fd, path: path)) } catch {
        throw FormatError(error)
      }
    }
    guard locked else { throw EditWaiting.refusal(path: path) }
  }
}
