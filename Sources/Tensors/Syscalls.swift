internal import CSystemShims

#if canImport(Glibc)
public import Glibc
#endif

private func emptyStat() -> stat { stat() }
private func emptyStatvfs() -> statvfs { statvfs() }
private func callStat(_ path: String, _ info: inout stat) -> Int32 { stat(path, &info) }
private func callStatvfs(_ path: String, _ info: inout statvfs) -> Int32 { statvfs(path, &info) }

/// Runs a libc call that returns -1 on failure, retrying on `EINTR`.
@inline(__always)
func retryingOnInterrupt<T: FixedWidthInteger>(
  _ operation: String, path: String, _ call: () -> T
) throws(SystemError) -> T {
  while true {
    let result = call()
    if result != -1 { return result }
    let code = errno
    if code == EINTR { continue }
    throw SystemError(operation: operation, path: path, code: code)
  }
}

/// Thin, typed wrappers over each libc file call Spindle uses (one place per call).
public enum Syscalls {
  /// `open(2)` with `O_CLOEXEC`.
  public static func open(_ path: String, flags: Int32, mode: UInt32 = 0o644) throws(SystemError)
    -> Int32
  {
    if flags & (O_WRONLY | O_RDWR | O_CREAT) != 0, let code = FaultInjection.failure(.open) {
      throw SystemError(operation: "open", path: path, code: code)
    }
    return try retryingOnInterrupt("open", path: path) {
      Glibc.open(path, flags | O_CLOEXEC, mode)
    }
  }

  /// `close(2)`; errors other than `EINTR` are reported.
  public static func close(_ fd: Int32, path: String) throws(SystemError) {
    if Glibc.close(fd) == -1 && errno != EINTR {
      throw SystemError(operation: "close", path: path, code: errno)
    }
  }

  /// `fstat(2)`.
  public static func fileStatus(_ fd: Int32, path: String) throws(SystemError) -> stat {
    var info = emptyStat()
    _ = try retryingOnInterrupt("fstat", path: path) { Glibc.fstat(fd, &info) }
    return info
  }

  /// `stat(2)`; `nil` when the path does not exist.
  public static func pathStatus(_ path: String) throws(SystemError) -> stat? {
    var info = emptyStat()
    if callStat(path, &info) == 0 { return info }
    if errno == ENOENT || errno == ENOTDIR { return nil }
    throw SystemError(operation: "stat", path: path, code: errno)
  }

  /// Writes all of `bytes` at `offset` with `pwrite(2)`, looping over short writes.
  public static func pwriteAll(
    _ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String
  ) throws(SystemError) {
    var done = 0
    while done < bytes.count {
      guard let base = bytes.baseAddress else { return }
      let (granted, fault) = FaultInjection.writable(FaultInjection.paced(bytes.count - done))
      if granted == 0, let fault { throw SystemError(operation: "pwrite", path: path, code: fault) }
      let written = try retryingOnInterrupt("pwrite", path: path) {
        Glibc.pwrite(fd, base + done, granted, off_t(offset + done))
      }
      FaultInjection.pause()
      if written == 0 { throw SystemError(operation: "pwrite", path: path, code: EIO) }
      done += written
    }
  }

  /// Reads exactly `count` bytes at `offset` with `pread(2)` (fewer only at end of file).
  public static func pread(
    _ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String
  ) throws(SystemError) -> Int {
    var done = 0
    while done < buffer.count {
      guard let base = buffer.baseAddress else { return 0 }
      let got = try retryingOnInterrupt("pread", path: path) {
        Glibc.pread(fd, base + done, buffer.count - done, off_t(offset + done))
      }
      if got == 0 { break }
      done += got
    }
    return done
  }

  /// `copy_file_range(2)`: copies up to `count` bytes between descriptors inside the kernel.
  ///
  /// Returns the number of bytes copied (0 at end of input). Throws for `EXDEV`, `ENOSYS`,
  /// `EINVAL` and the like so callers can fall back to read/write.
  public static func copyFileRange(
    from input: Int32, at inputOffset: Int, to output: Int32, at outputOffset: Int, count: Int,
    path: String
  ) throws(SystemError) -> Int {
    var inOff = Int64(inputOffset)
    var outOff = Int64(outputOffset)
    let (granted, fault) = FaultInjection.writable(FaultInjection.paced(count))
    if granted == 0, let fault {
      throw SystemError(operation: "copy_file_range", path: path, code: fault)
    }
    defer { FaultInjection.pause() }
    return try retryingOnInterrupt("copy_file_range", path: path) {
      spindle_copy_file_range(input, &inOff, output, &outOff, granted)
    }
  }

  /// `fsync(2)`.
  public static func fsync(_ fd: Int32, path: String) throws(SystemError) {
    if let code = FaultInjection.failure(.fsync) {
      throw SystemError(operation: "fsync", path: path, code: code)
    }
    _ = try retryingOnInterrupt("fsync", path: path) { Glibc.fsync(fd) }
  }

  /// `ftruncate(2)`.
  public static func ftruncate(_ fd: Int32, length: Int, path: String) throws(SystemError) {
    _ = try retryingOnInterrupt("ftruncate", path: path) { Glibc.ftruncate(fd, off_t(length)) }
  }

  /// `fchmod(2)`.
  public static func fchmod(_ fd: Int32, mode: UInt32, path: String) throws(SystemError) {
    _ = try retryingOnInterrupt("fchmod", path: path) { Glibc.fchmod(fd, mode) }
  }

  /// `rename(2)`.
  public static func rename(_ from: String, to: String) throws(SystemError) {
    if let code = FaultInjection.failure(.rename) {
      throw SystemError(operation: "rename", path: to, code: code)
    }
    _ = try retryingOnInterrupt("rename", path: to) { Glibc.rename(from, to) }
  }

  /// `renameat2(2)` with `RENAME_EXCHANGE`: `a` and `b` trade places in one atomic step (both
  /// must exist; folders included), so a reader sees the old tree or the new one, never none.
  public static func exchange(_ a: String, _ b: String) throws(SystemError) {
    _ = try retryingOnInterrupt("renameat2", path: b) { spindle_rename_exchange(a, b) }
  }

  /// `unlink(2)`; a missing file is not an error.
  public static func unlink(_ path: String) throws(SystemError) {
    if Glibc.unlink(path) == -1 && errno != ENOENT {
      throw SystemError(operation: "unlink", path: path, code: errno)
    }
  }

  /// fsyncs a directory so a rename inside it is durable.
  public static func fsyncDirectory(_ path: String) throws(SystemError) {
    let fd = try open(path, flags: O_RDONLY | O_DIRECTORY)
    defer { _ = Glibc.close(fd) }
    try fsync(fd, path: path)
  }

  /// Takes an exclusive advisory lock (`flock(LOCK_EX | LOCK_NB)`) on `fd`; `false` when
  /// another open file holds one. The lock goes with the descriptor's close.
  public static func lockExclusively(_ fd: Int32, path: String) throws(SystemError) -> Bool {
    try flock(fd, LOCK_EX, path: path)
  }

  /// Takes a shared advisory lock (`flock(LOCK_SH | LOCK_NB)`) on `fd`; `false` when another
  /// open file holds an exclusive one.
  public static func lockShared(_ fd: Int32, path: String) throws(SystemError) -> Bool {
    try flock(fd, LOCK_SH, path: path)
  }

  private static func flock(_ fd: Int32, _ operation: Int32, path: String) throws(SystemError)
    -> Bool
  {
    while spindle_flock(fd, operation | LOCK_NB) == -1 {
      if errno == EINTR { continue }
      if errno == EWOULDBLOCK { return false }
      throw SystemError(operation: "flock", path: path, code: errno)
    }
    return true
  }

  /// The whole content of a small file read with `read(2)` (for `/proc` files, whose size
  /// `stat` reports as 0); `nil` when it cannot be opened or read.
  public static func readWhole(_ path: String, limit: Int = 1 << 20) -> [UInt8]? {
    guard let fd = try? open(path, flags: O_RDONLY) else { return nil }
    defer { _ = Glibc.close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while bytes.count < limit {
      let got = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if got < 0 && errno == EINTR { continue }
      if got < 0 { return nil }
      if got == 0 { break }
      bytes += chunk[0..<got]
    }
    return bytes
  }

  /// `path` with every symbolic link resolved (`realpath(3)`), or `path` itself when that
  /// fails: in-place rewrites replace the file a link points to, not the link.
  public static func resolvedPath(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  /// The names in the folder at `path`, without `.` and `..`.
  public static func directoryEntries(_ path: String) throws(SystemError) -> [String] {
    guard let directory = opendir(path) else {
      throw SystemError(operation: "opendir", path: path, code: errno)
    }
    defer { closedir(directory) }
    var names: [String] = []
    // The name is read in place: glibc's records are only as long as their name
    // (`d_reclen`), so copying the whole 256-byte `d_name` array reads past the record.
    let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
    while let entry = readdir(directory) {
      let name = String(
        cString: (UnsafeRawPointer(entry) + nameOffset).assumingMemoryBound(to: CChar.self))
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }

  /// Whether a process with id `pid` exists (`kill(pid, 0)` does not fail with `ESRCH`).
  public static func processExists(_ pid: Int32) -> Bool {
    Glibc.kill(pid, 0) == 0 || errno != ESRCH
  }

  /// Free bytes available to unprivileged users on the file system holding `path`.
  public static func availableBytes(at path: String) throws(SystemError) -> Int {
    var info = emptyStatvfs()
    _ = try retryingOnInterrupt("statvfs", path: path) { callStatvfs(path, &info) }
    let (product, overflow) = Int(info.f_bavail).multipliedReportingOverflow(by: Int(info.f_frsize))
    return overflow ? Int.max : product
  }
}
