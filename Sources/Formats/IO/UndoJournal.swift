public import Tensors

#if canImport(Glibc)
import Glibc
#endif

/// The old and new bytes of an in-place header edit, saved next to the file before the file
/// is touched, so an interrupted edit can be undone and a finished one reverted.
///
/// Layout (little-endian): magic `SPNDLJNL`, `u32` version 1, `u32` 0, the file's device,
/// inode and size (`u64` each), the edit's offset and length (`u64`), the old bytes, the new
/// bytes, then a CRC-32 of everything before it. `FILE.spindle-journal` is written under a
/// temporary name, fsync'd and renamed, so it exists only complete; while it exists the edit
/// may be torn. After a finished edit it is renamed to `FILE.spindle-undo` (the last edit's
/// undo record). The modification time is not recorded: the edit itself changes it.
public struct UndoJournal: Equatable, Sendable {
  public static let magic: [UInt8] = Array("SPNDLJNL".utf8)
  public static let version: UInt32 = 1

  public var device: UInt64
  public var inode: UInt64
  public var fileSize: Int
  public var offset: Int
  public var oldBytes: [UInt8]
  public var newBytes: [UInt8]

  public init(
    device: UInt64, inode: UInt64, fileSize: Int, offset: Int, oldBytes: [UInt8],
    newBytes: [UInt8]
  ) {
    precondition(oldBytes.count == newBytes.count, "an in-place edit keeps the length")
    self.device = device
    self.inode = inode
    self.fileSize = fileSize
    self.offset = offset
    self.oldBytes = oldBytes
    self.newBytes = newBytes
  }

  /// `FILE.spindle-journal`: present only while an edit is under way (or was interrupted).
  public static func journalPath(for path: String) -> String { path + ".spindle-journal" }

  /// `FILE.spindle-undo`: the record of the last finished in-place edit.
  public static func undoPath(for path: String) -> String { path + ".spindle-undo" }

  /// Fails with `interruptedEdit` when an unfinished edit's journal lies beside `path`.
  ///
  /// A journal whose file another process holds locked is an edit in progress, not an
  /// interrupted one: it is waited for (``EditWaiting``), then refused as `fileChanged`,
  /// naming the editor.
  public static func requireNoJournal(for path: String) throws(FormatError) {
    let journal = journalPath(for: path)
    let finished = try EditWaiting.wait(for: path) { () throws(FormatError) -> Bool in
      guard ((try? Syscalls.pathStatus(journal)) ?? nil) != nil else { return false }
      guard EditWatch.isLocked(path) else {
        throw FormatError(
          .interruptedEdit, path: path,
          "an interrupted Spindle edit left \(journal); the header may be half written."
            + " Run `spindle restore \(path)` to put the old header back")
      }
      return true
    }
    guard finished else { throw EditWaiting.refusal(path: path) }
  }

  /// Whether `identity` is the file this journal was written for (same device, inode, size).
  public func matches(_ identity: FileIdentity) -> Bool {
    identity.device == device && identity.inode == inode && identity.size == fileSize
  }

  /// The serialized journal.
  public func encoded() -> [UInt8] {
    var bytes = UndoJournal.magic
    func append<T: FixedWidthInteger>(_ value: T) {
      withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
    append(UndoJournal.version)
    append(UInt32(0))
    append(device)
    append(inode)
    append(UInt64(fileSize))
    append(UInt64(offset))
    append(UInt64(oldBytes.count))
    bytes.append(contentsOf: oldBytes)
    bytes.append(contentsOf: newBytes)
    append(CRC32.checksum(bytes))
    return bytes
  }

  /// Parses a serialized journal; `path` names it in errors.
  public init(decoding bytes: [UInt8], path: String) throws(FormatError) {
    func fail(_ why: String) -> FormatError {
      FormatError(.invalidJournal, path: path, "not a usable Spindle journal: \(why)")
    }
    let fixed = 8 + 4 + 4 + 8 * 5
    guard bytes.count >= fixed + 4, Array(bytes[0..<8]) == UndoJournal.magic else {
      throw fail("bad magic or too short (\(bytes.count) bytes)")
    }
    func read(_ at: Int) -> UInt64 {
      var value: UInt64 = 0
      for index in 0..<8 { value |= UInt64(bytes[at + index]) << (8 * UInt64(index)) }
      return value
    }
    let version = UInt32(truncatingIfNeeded: read(8))
    guard version == UndoJournal.version else { throw fail("version \(version), expected 1") }
    let length = read(48)
    guard length <= UInt64(bytes.count), fixed + 2 * Int(length) + 4 == bytes.count else {
      throw fail("length \(length) does not match the journal's size \(bytes.count)")
    }
    let body = bytes[0..<(bytes.count - 4)]
    let stored = bytes[(bytes.count - 4)...].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    guard CRC32.checksum(body) == stored else { throw fail("checksum mismatch") }
    guard let size = Int(exactly: read(32)), let offset = Int(exactly: read(40)) else {
      throw fail("size or offset out of range")
    }
    let count = Int(length)
    self.init(
      device: read(16), inode: read(24), fileSize: size, offset: offset,
      oldBytes: Array(bytes[fixed..<(fixed + count)]),
      newBytes: Array(bytes[(fixed + count)..<(fixed + 2 * count)]))
  }

  /// Reads the journal at `path`, or `nil` when there is none.
  public static func read(at path: String) throws(FormatError) -> UndoJournal? {
    do {
      guard try Syscalls.pathStatus(path) != nil else { return nil }
      let file = try MappedFile(path: path)
      return try UndoJournal(decoding: file.bytes(in: 0..<file.count), path: path)
    } catch let error as SystemError {
      throw FormatError(error)
    } catch let error as FormatError {
      throw error
    } catch {
      throw FormatError(.io, path: path, "\(error)")
    }
  }

  /// Writes the journal durably at `path`: temporary name, fsync, rename, fsync the folder.
  public func write(to path: String) throws(FormatError) {
    let temporary = path + ".tmp"
    let bytes = encoded()
    do throws(SystemError) {
      let fd = try Syscalls.open(temporary, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600)
      defer { _ = close(fd) }
      let result = bytes.withUnsafeBytes { raw in
        Result { () throws(SystemError) in
          if CrashPoint.requested == .midJournalWrite {
            let half = UnsafeRawBufferPointer(rebasing: raw[0..<(raw.count / 2)])
            try Syscalls.pwriteAll(fd, half, at: 0, path: temporary)
            try Syscalls.fsync(fd, path: temporary)
            CrashPoint.reach(.midJournalWrite)
          }
          try Syscalls.pwriteAll(fd, raw, at: 0, path: temporary)
        }
      }
      try result.get()
      try Syscalls.fsync(fd, path: temporary)
      try Syscalls.rename(temporary, to: path)
      try Syscalls.fsyncDirectory(AtomicFileWriter.split(path).folder)
    } catch {
      _ = unlink(temporary)
      throw FormatError(error)
    }
  }
}
