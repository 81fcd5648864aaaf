import Synchronization
public import Tensors

#if canImport(Glibc)
import Glibc
#endif

/// Writes a new file under a temporary name in the destination's folder and renames it into
/// place only when everything is written and fsync'd.
///
/// Until ``commit()`` nothing exists under the final name; ``abort()`` (or dropping the writer
/// uncommitted) removes the temporary file, and a writer first removes the temporary files
/// of the same destination that killed processes left (``TemporaryName``). Writes are buffered; tensor bytes can be copied
/// from another file inside the kernel (`copy_file_range`) with a read/write fallback.
public final class AtomicFileWriter {
  /// The final path.
  public let destination: String
  /// The temporary path being written.
  public let temporaryPath: String
  /// Bytes written so far (the offset of the next write).
  public private(set) var position = 0
  /// Bytes that went through `copy_file_range` rather than user space.
  public private(set) var bytesCopiedInKernel = 0

  private var fd: Int32
  private var buffer: [UInt8] = []
  private var bufferStart = 0
  private var finished = false
  private var source: (identity: FileIdentity, fd: Int32)?
  private let bufferCapacity = 1 << 20
  /// ``MappedFile/changeCount`` when the writer was made: more at commit means a file read
  /// meanwhile shrank under its mapping, and what was written from it is not committed.
  private let changesAtStart = MappedFile.changeCount

  /// Writers made so far in this process: the `N` of each temporary name, unique across
  /// threads (two writers made at once used to be able to share one; found by ThreadSanitizer).
  private static let counter = Atomic<Int>(0)

  /// Creates the temporary file next to `destination`, with `mode` (default: the mode of an
  /// existing destination, else 0644 less the umask) and, when permitted, the existing
  /// destination's owner and group.
  public init(destination: String, mode: UInt32? = nil) throws(FormatError) {
    self.destination = destination
    let (folder, name) = AtomicFileWriter.split(destination)
    let count = AtomicFileWriter.counter.add(1, ordering: .relaxed).newValue
    temporaryPath = "\(folder)/" + TemporaryName.file(for: name, count: count)
    TemporaryName.removeStale(in: folder, target: name)
    var fileMode = mode
    let existing = try? Syscalls.pathStatus(destination)
    if fileMode == nil, let existing {
      fileMode = UInt32(existing.st_mode & 0o7777)
    }
    do {
      fd = try Syscalls.open(
        temporaryPath, flags: O_WRONLY | O_CREAT | O_EXCL | O_TRUNC, mode: fileMode ?? 0o644)
      // Keep the replaced file's owner where allowed (root); otherwise it stays ours.
      if let existing { _ = fchown(fd, existing.st_uid, existing.st_gid) }
      if let fileMode { try Syscalls.fchmod(fd, mode: fileMode, path: temporaryPath) }
    } catch {
      throw FormatError(error)
    }
    buffer.reserveCapacity(bufferCapacity)
  }

  deinit {
    if !finished { abort() }
  }

  /// Fails early, before anything is written, when the destination's file system has fewer
  /// than `bytes` bytes free.
  public func requireSpace(_ bytes: Int) throws(FormatError) {
    try AtomicFileWriter.requireSpace(bytes, in: destination)
  }

  /// Fails when the file system of `destination`'s folder has fewer than `bytes` bytes free.
  public static func requireSpace(_ bytes: Int, in destination: String) throws(FormatError) {
    let (folder, _) = AtomicFileWriter.split(destination)
    let available: Int
    do { available = try Syscalls.availableBytes(at: folder) } catch { throw FormatError(error) }
    if available < bytes {
      throw FormatError(
        .noSpace, path: destination,
        "not enough free space: need \(bytes) bytes, \(available) available in \(folder)")
    }
  }

  /// Appends `bytes`.
  public func write(_ bytes: UnsafeRawBufferPointer) throws(FormatError) {
    if buffer.count + bytes.count > bufferCapacity { try flush() }
    if bytes.count >= bufferCapacity {
      do {
        try Syscalls.pwriteAll(fd, bytes, at: position, path: temporaryPath)
      } catch {
        // Bytes handed straight from a mapping whose file shrank meanwhile.
        if error.code == EFAULT, let base = bytes.baseAddress,
          let change = MappedFile.change(containing: base)
        {
          throw FormatError(changed: change)
        }
        throw failure(error)
      }
      position += bytes.count
      bufferStart = position
      return
    }
    buffer.append(contentsOf: bytes)
    position += bytes.count
  }

  /// Appends `bytes`.
  public func write(_ bytes: [UInt8]) throws(FormatError) {
    let result = bytes.withUnsafeBytes { raw in
      Result { () throws(FormatError) in try write(raw) }
    }
    try result.get()
  }

  /// Appends the UTF-8 bytes of `text`.
  public func write(_ text: String) throws(FormatError) {
    try write(Array(text.utf8))
  }

  /// Appends `count` copies of `byte` (padding).
  public func writeRepeating(_ byte: UInt8, count: Int) throws(FormatError) {
    guard count > 0 else { return }
    try write([UInt8](repeating: byte, count: count))
  }

  /// Appends `range` of the file at `source`, in the kernel when it allows it.
  ///
  /// `mapped` must be the same file mapped; it serves the fallback path.
  public func copy(from mapped: MappedFile, range: Range<Int>) throws(FormatError) {
    guard !range.isEmpty else { return }
    try flush()
    var copied = 0
    if let input = kernelCopySource(for: mapped) {
      while copied < range.count {
        let chunk = min(range.count - copied, 1 << 30)
        guard
          let got = try? Syscalls.copyFileRange(
            from: input, at: range.lowerBound + copied, to: fd, at: position + copied,
            count: chunk, path: temporaryPath), got > 0
        else { break }
        copied += got
      }
    }
    bytesCopiedInKernel += copied
    position += copied
    bufferStart = position
    if copied < range.count {
      let rest = (range.lowerBound + copied)..<range.upperBound
      var start = rest.lowerBound
      while start < rest.upperBound {
        let end = min(start + (8 << 20), rest.upperBound)
        let result = mapped.withUnsafeBytes(in: start..<end) { bytes in
          Result { () throws(FormatError) in try write(bytes) }
        }
        try result.get()
        start = end
      }
    }
  }

  /// A descriptor for `mapped`'s file, opened once per source and reused, or `nil` when the
  /// path no longer names the mapped file (replaced underneath: then bytes come from the
  /// mapping, which still holds the original).
  private func kernelCopySource(for mapped: MappedFile) -> Int32? {
    if let source, source.identity == mapped.identity { return source.fd }
    closeSource()
    guard let fd = try? Syscalls.open(mapped.path, flags: O_RDONLY) else { return nil }
    guard let info = try? Syscalls.fileStatus(fd, path: mapped.path),
      FileIdentity(info) == mapped.identity
    else {
      _ = Glibc.close(fd)
      return nil
    }
    source = (mapped.identity, fd)
    return fd
  }

  private func closeSource() {
    if let source { _ = Glibc.close(source.fd) }
    source = nil
  }

  /// Writes buffered bytes to the file.
  public func flush() throws(FormatError) {
    guard !buffer.isEmpty else { return }
    let result = buffer.withUnsafeBytes { raw in
      Result { () throws(SystemError) in
        try Syscalls.pwriteAll(fd, raw, at: bufferStart, path: temporaryPath)
      }
    }
    do { try result.get() } catch { throw failure(error) }
    bufferStart += buffer.count
    buffer.removeAll(keepingCapacity: true)
  }

  /// Flushes and fsyncs the temporary file, leaving it open and unrenamed.
  public func sync() throws(FormatError) {
    try flush()
    do { try Syscalls.fsync(fd, path: temporaryPath) } catch { throw failure(error) }
  }

  /// Flushes, fsyncs, renames over the destination and fsyncs the folder.
  ///
  /// - Throws: `fileChanged` (and removes the temporary file) when a mapped file shrank while
  ///   this writer was open: the bytes written from it may be the guard's zeros.
  public func commit() throws(FormatError) {
    precondition(!finished, "AtomicFileWriter used after commit or abort")
    closeSource()
    if MappedFile.changeCount != changesAtStart, let changed = FormatError.changedWhileReading {
      abort()
      throw changed
    }
    do {
      try flush()
      try Syscalls.fsync(fd, path: temporaryPath)
      try Syscalls.close(fd, path: temporaryPath)
      fd = -1
      try Syscalls.rename(temporaryPath, to: destination)
      finished = true
      try Syscalls.fsyncDirectory(AtomicFileWriter.split(destination).folder)
    } catch let error as FormatError {
      abort()
      throw error
    } catch let error as SystemError {
      abort()
      throw finished ? FormatError(error) : failure(error)
    } catch {
      abort()
      throw FormatError(.io, path: destination, "\(error)")
    }
  }

  /// Closes and removes the temporary file; the destination is untouched.
  public func abort() {
    closeSource()
    if fd >= 0 { _ = Glibc.close(fd) }
    fd = -1
    if !finished { _ = Glibc.unlink(temporaryPath) }
    finished = true
  }

  /// A failed write, flush, fsync or rename, located at the destination: what failed, after
  /// how many bytes, and that nothing was put under the final name (the caller aborts, which
  /// removes the temporary file).
  func failure(_ error: SystemError) -> FormatError {
    var wrapped = FormatError(error)
    wrapped.path = destination
    wrapped.message =
      "\(error.operation) failed: \(error.reason) (errno \(error.code)) after \(position) bytes"
      + " of the temporary file \(AtomicFileWriter.split(temporaryPath).name); the temporary file"
      + " is removed and nothing was written under this name"
    return wrapped
  }

  /// The folder holding `path` (`.` for a bare name) and the file's name.
  public static func split(_ path: String) -> (folder: String, name: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let folder = String(path[..<slash])
    return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
  }
}
