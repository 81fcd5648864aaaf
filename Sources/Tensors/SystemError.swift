#if canImport(Glibc)
import Glibc
#endif

/// A failed system call, with the operation, the file it concerned and the C error number.
public struct SystemError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The C function that failed (`open`, `mmap`, `pwrite`, …).
  public var operation: String
  /// The file concerned.
  public var path: String
  /// The `errno` value.
  public var code: Int32

  public init(operation: String, path: String, code: Int32) {
    self.operation = operation
    self.path = path
    self.code = code
  }

  /// `strerror` text for ``code``.
  public var reason: String { String(cString: strerror(code)) }

  public var description: String { "\(path): \(operation) failed: \(reason) (errno \(code))" }

  /// Whether the file, or a folder on its path, does not exist (`ENOENT`).
  public var isNotFound: Bool { code == ENOENT }

  /// Whether permissions or a read-only file system refused the access (`EACCES`, `EROFS`).
  public var isReadOnly: Bool { code == EACCES || code == EROFS }

  /// Whether the disk (or quota) ran out of room.
  public var isNoSpace: Bool { code == ENOSPC || code == EDQUOT }
}
