import Formats
import Models
import Tensors

#if canImport(Glibc)
import Glibc
#endif

/// Carries out a ``HeaderPlan`` on GGUF or safetensors, the same way for both.
///
/// In place: the file must still be the one planned (identity and old header bytes); the
/// old and new header go to `FILE.spindle-journal` (fsync'd, renamed into place, folder
/// fsync'd), then the new header is written with `pwrite` and fsync'd, the file is read back,
/// and the journal becomes `FILE.spindle-undo` so `spindle restore` can revert the edit.
/// Rewrite: free space is checked first, the new header and the old data section (in the
/// kernel where it allows) go to a temporary file beside the original, which is fsync'd and
/// renamed over it with the original's mode; a previous undo record is removed, since it no
/// longer matches. A file without any write permission bit is refused, even for root. Both
/// hold an ``EditLock`` on the file while they write. A symlinked path edits the file the link
/// points to (a rewrite is renamed over the target, the link stays); the journal and undo
/// record lie beside the path given.
public enum PatchEngine {
  /// What an execution did.
  public struct Outcome: Equatable, Sendable {
    public var path: String
    public var inPlace: Bool
    /// Bytes written to the file (in place) or to its replacement (rewrite).
    public var bytesWritten: Int
    /// Bytes of the rewrite copied inside the kernel.
    public var bytesCopiedInKernel: Int
  }

  /// Chunk size of a rewrite's data copy, and so the progress granularity.
  static let copyChunk = 64 << 20

  /// Executes `plan`; `progress` gets (bytes done, bytes total) during a rewrite.
  public static func execute(
    _ plan: HeaderPlan, progress: ((Int, Int) -> Void)? = nil
  ) throws(PatchError) -> Outcome {
    do {
      try UndoJournal.requireNoJournal(for: plan.path)
      try requireWritable(plan.path)
      switch plan.strategy {
      case .inPlace: return try writeInPlace(plan)
      case .rewrite: return try rewrite(plan, progress: progress)
      }
    } catch {
      throw PatchError(error)
    }
  }

  static func requireWritable(_ path: String) throws(FormatError) {
    let status: stat?
    do { status = try Syscalls.pathStatus(path) } catch { throw FormatError(error) }
    guard let status else { throw FormatError(.notFound, path: path, "the file disappeared") }
    if status.st_mode & 0o222 == 0 {
      throw FormatError(
        .readOnly, path: path,
        "the file is read-only (mode \(String(status.st_mode & 0o7777, radix: 8))); "
          + "nothing was changed. Make it writable (chmod u+w) to edit it")
    }
  }

  static func changed(_ path: String) -> FormatError {
    FormatError(
      .fileChanged, path: path,
      "the file changed since it was read (another program wrote it); nothing was changed")
  }

  private static func writeInPlace(_ plan: HeaderPlan) throws(FormatError) -> Outcome {
    let path = plan.path
    let fd: Int32
    do { fd = try Syscalls.open(path, flags: O_RDWR) } catch {
      throw readOnlyOrWrapped(error)
    }
    defer { _ = close(fd) }
    var journaled = false
    do {
      try lock(fd, path: path)
      let identity = FileIdentity(try Syscalls.fileStatus(fd, path: path))
      guard identity == plan.file.identity else { throw changed(path) }
      guard try readBytes(fd, count: plan.oldHeader.count, path: path) == plan.oldHeader else {
        throw changed(path)
      }
      let journal = UndoJournal(
        device: identity.device, inode: identity.inode, fileSize: identity.size, offset: 0,
        oldBytes: plan.oldHeader, newBytes: plan.newHeader)
      let journalPath = UndoJournal.journalPath(for: path)
      do { try journal.write(to: journalPath) } catch {
        throw FormatError(
          error.kind, path: path,
          "cannot write the undo journal (\(error.message)); nothing was changed")
      }
      journaled = true
      CrashPoint.reach(.afterJournalWrite)
      try write(plan.newHeader, to: fd, path: path, crashingHalfwayAt: .midHeaderWrite)
      try Syscalls.fsync(fd, path: path)
      CrashPoint.reach(.beforeJournalDelete)
      guard try readBytes(fd, count: plan.newHeader.count, path: path) == plan.newHeader else {
        throw FormatError(
          .io, path: path,
          "the header read back differs from the one written; run `spindle restore \(path)`")
      }
      try Syscalls.rename(journalPath, to: UndoJournal.undoPath(for: path))
      try Syscalls.fsyncDirectory(AtomicFileWriter.split(path).folder)
    } catch let error as FormatError {
      throw error
    } catch let error as SystemError {
      guard journaled else { throw FormatError(error) }
      throw rolledBack(plan, fd: fd, after: error)
    } catch {
      throw FormatError(.io, path: path, "\(error)")
    }
    return Outcome(
      path: path, inPlace: true, bytesWritten: plan.newHeader.count, bytesCopiedInKernel: 0)
  }

  private static func rewrite(
    _ plan: HeaderPlan, progress: ((Int, Int) -> Void)?
  ) throws(FormatError) -> Outcome {
    let path = plan.path
    let editLock = try EditLock(path: path)
    defer { editLock.release() }
    func requireUnchanged() throws(FormatError) {
      let current: FileIdentity?
      do { current = try FileIdentity.current(at: path) } catch { throw FormatError(error) }
      guard current == plan.file.identity else { throw changed(path) }
    }
    try requireUnchanged()
    let output: AtomicFileWriter
    do { output = try AtomicFileWriter(destination: Syscalls.resolvedPath(path)) } catch {
      throw error.kind == .readOnly
        ? FormatError(
          .readOnly, path: path,
          "cannot create a file in the folder (\(error.message)); nothing was changed")
        : error
    }
    do throws(FormatError) {
      try output.requireSpace(plan.newFileSize)
      try output.write(plan.newHeader)
      let total = plan.newFileSize
      progress?(output.position, total)
      let data = plan.dataRange
      var start = data.lowerBound
      let half = data.lowerBound + data.count / 2
      while start < data.upperBound {
        let end = min(start + copyChunk, start < half ? half : data.upperBound)
        try output.copy(from: plan.file, range: start..<max(end, start + 1))
        start = max(end, start + 1)
        if start >= half { CrashPoint.reach(.midRewriteCopy) }
        progress?(output.position, total)
      }
      try requireUnchanged()
      try output.flush()
      CrashPoint.reach(.beforeRename)
      try output.commit()
    } catch {
      output.abort()
      throw error
    }
    _ = unlink(UndoJournal.undoPath(for: path))
    do {
      if plan.format == .gguf {
        _ = try GGUFFile(path: path)
      } else {
        _ = try SafetensorsFile(path: path)
      }
    } catch {
      throw FormatError(
        error.kind, path: path, "the rewritten file does not read back: \(error.message)")
    }
    return Outcome(
      path: path, inPlace: false, bytesWritten: output.position,
      bytesCopiedInKernel: output.bytesCopiedInKernel)
  }

  /// Locks the open file against other Spindle processes (see ``EditLock``).
  static func lock(_ fd: Int32, path: String) throws(FormatError) {
    try EditLock.acquire(fd, path: path)
  }

  /// After a failure while the new header was being written (journal present): puts the old
  /// header back and removes the journal, or, when that fails too, says to run `restore`.
  static func rolledBack(_ plan: HeaderPlan, fd: Int32, after error: SystemError) -> FormatError {
    let path = plan.path
    let journalPath = UndoJournal.journalPath(for: path)
    let what =
      "\(error.operation) failed: \(error.reason) (errno \(error.code)) while writing the new header"
    do throws(SystemError) {
      try write(plan.oldHeader, to: fd, path: path, crashingHalfwayAt: .midRestore)
      try Syscalls.fsync(fd, path: path)
      guard try readBytes(fd, count: plan.oldHeader.count, path: path) == plan.oldHeader else {
        throw SystemError(operation: "pread", path: path, code: EIO)
      }
      try Syscalls.unlink(journalPath)
      try Syscalls.fsyncDirectory(AtomicFileWriter.split(path).folder)
    } catch {
      return FormatError(
        FormatError(error).kind, path: path,
        "\(what); putting the old header back failed as well (\(error.reason)): the header may"
          + " be half written. Run `spindle restore \(path)` (the old bytes are in"
          + " \(journalPath))")
    }
    return FormatError(
      FormatError(error).kind, path: path,
      "\(what); the old header was put back, nothing was changed")
  }

  static func readOnlyOrWrapped(_ error: SystemError) -> FormatError {
    var wrapped = FormatError(error)
    if wrapped.kind == .readOnly {
      wrapped.message += " (read-only file or file system); nothing was changed"
    }
    return wrapped
  }

  static func readBytes(_ fd: Int32, count: Int, path: String) throws(SystemError) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    let result = bytes.withUnsafeMutableBytes { raw in
      Result { () throws(SystemError) in try Syscalls.pread(fd, into: raw, at: 0, path: path) }
    }
    let got = try result.get()
    return Array(bytes[0..<got])
  }

  /// Writes `bytes` at 0; when `SPINDLE_CRASH_AT` names `point`, writes half, fsyncs, dies.
  static func write(
    _ bytes: [UInt8], to fd: Int32, path: String, crashingHalfwayAt point: CrashPoint
  ) throws(SystemError) {
    let result = bytes.withUnsafeBytes { raw in
      Result { () throws(SystemError) in
        if CrashPoint.requested == point {
          let half = UnsafeRawBufferPointer(rebasing: raw[0..<(raw.count / 2)])
          try Syscalls.pwriteAll(fd, half, at: 0, path: path)
          try Syscalls.fsync(fd, path: path)
          CrashPoint.reach(point)
        }
        try Syscalls.pwriteAll(fd, raw, at: 0, path: path)
      }
    }
    try result.get()
  }
}
