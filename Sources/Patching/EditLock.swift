import Formats
import Tensors

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive advisory lock (`flock`) on a file being edited, held until released or
/// dropped, so two Spindle processes never edit one file at once.
///
/// Taking it waits up to ``patience`` seconds (a reader holds a shared lock only while it
/// parses the header), then refuses, naming the holder's pid and command line from
/// `/proc/locks`. Locks are advisory: other programs that do not take them are not stopped.
public final class EditLock {
  /// How long taking a lock waits for another process's lock before refusing.
  public static let patience = 2.0

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

  /// Locks the open file `fd`, waiting up to ``patience`` seconds for another holder.
  public static func acquire(_ fd: Int32, path: String) throws(FormatError) {
    let attempts = Int(patience * 20)
    for attempt in 0...attempts {
      let locked: Bool
      do { locked = try Syscalls.lockExclusively(fd, path: path) } catch {
        throw FormatError(error)
      }
      if locked { return }
      if attempt < attempts { usleep(50_000) }
    }
    let holder = (try? Syscalls.fileStatus(fd, path: path)).flatMap {
      LockHolder.of(FileIdentity($0))
    }
    throw FormatError(
      .fileChanged, path: path,
      "another process is editing the file: "
        + (holder.map { "\($0) holds its lock" } ?? "it holds a lock on it")
        + " (waited \(Int(patience)) s); nothing was changed. Run the command again once it"
        + " has finished")
  }
}
