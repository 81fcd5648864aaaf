import Formats
public import Models
import Tensors

#if canImport(Glibc)
import Glibc
#endif

extension PatchEngine {
  /// What `restore` did.
  public enum Restoration: Equatable, Sendable {
    /// An interrupted edit's journal was found and the old header put back (`bytes` long).
    case recovered(bytes: Int)
    /// The last finished in-place edit was reverted from `FILE.spindle-undo`.
    case undone(bytes: Int)
    /// No edit to undo, but temporary files of killed rewrites of the file were removed.
    case removedTemporaries([String])
  }

  /// Puts the old header of `path` back: from `FILE.spindle-journal` after an interrupted
  /// edit, else from `FILE.spindle-undo` (the last finished in-place edit).
  ///
  /// The file must be the one the journal names (device, inode, size) and its header must
  /// hold, byte by byte, either the old or the new bytes (a torn write); anything else means
  /// another program wrote it, and nothing is changed. An undo is first renamed to the
  /// journal name, so a crash during restore leaves a journal and restore can run again.
  /// A rewrite has no undo: its original is replaced whole by rename.
  public static func restore(_ path: String) throws(PatchError) -> Restoration {
    do throws(FormatError) {
      try requireEditedFile(path)
      let journalPath = UndoJournal.journalPath(for: path)
      _ = unlink(journalPath + ".tmp")
      if let journal = try UndoJournal.read(at: journalPath) {
        try putBack(journal, path: path, allowOld: true)
        try remove(journalPath)
        return .recovered(bytes: journal.oldBytes.count)
      }
      let undoPath = UndoJournal.undoPath(for: path)
      guard let undo = try UndoJournal.read(at: undoPath) else {
        let removed = removeStaleTemporaries(of: path)
        if !removed.isEmpty { return .removedTemporaries(removed) }
        throw FormatError(
          .nothingToRestore, path: path,
          "no interrupted or previous in-place edit to undo (no \(journalPath) or \(undoPath));"
            + " the file is as the last Spindle command left it")
      }
      try checkTarget(undo, path: path, allowOld: false)
      do {
        try Syscalls.rename(undoPath, to: journalPath)
        try Syscalls.fsyncDirectory(AtomicFileWriter.split(path).folder)
      } catch { throw FormatError(error) }
      try putBack(undo, path: path, allowOld: true)
      try remove(journalPath)
      return .undone(bytes: undo.oldBytes.count)
    } catch {
      throw PatchError(error)
    }
  }

  /// Refuses a path that does not exist (`notFound`) and a folder: in-place edits of a folder
  /// replace its config.json whole and have no undo, so the message names the undo or
  /// journal files of edited files inside it, the ones `restore` takes.
  static func requireEditedFile(_ path: String) throws(FormatError) {
    let status: stat?
    do { status = try Syscalls.pathStatus(path) } catch { throw FormatError(error) }
    guard let status else {
      throw FormatError(.notFound, path: path, "no such file or folder; nothing to restore")
    }
    guard (status.st_mode & S_IFMT) == S_IFDIR else { return }
    let folder = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    let names = ((try? Syscalls.directoryEntries(folder)) ?? []).sorted()
    let records = names.filter { $0.hasSuffix(".spindle-undo") || $0.hasSuffix(".spindle-journal") }
    guard !records.isEmpty else {
      throw FormatError(
        .nothingToRestore, path: path,
        "this is a folder, and it holds no undo record (no FILE.spindle-undo or"
          + " FILE.spindle-journal): in-place edits of a folder replace config.json whole and"
          + " cannot be undone; restore takes an edited file")
    }
    let files = records.map { record in
      let suffix = record.hasSuffix(".spindle-undo") ? ".spindle-undo" : ".spindle-journal"
      let edited = String(record.dropLast(suffix.count))
      return "spindle restore \(folder)/\(edited) (undo record \(folder)/\(record))"
    }
    throw FormatError(
      .nothingToRestore, path: path,
      "this is a folder; restore takes the edited file: " + files.joined(separator: "; "))
  }

  /// Removes the temporary files killed writers of `path` left beside it
  /// (``TemporaryName``); returns their names.
  static func removeStaleTemporaries(of path: String) -> [String] {
    let (folder, name) = AtomicFileWriter.split(path)
    return TemporaryName.removeStale(in: folder, target: name)
  }

  private static func remove(_ journalPath: String) throws(FormatError) {
    do {
      try Syscalls.unlink(journalPath)
      try Syscalls.fsyncDirectory(AtomicFileWriter.split(journalPath).folder)
    } catch { throw FormatError(error) }
  }

  /// Checks that the file is the journal's and that its header is new bytes (or, with
  /// `allowOld`, a byte-wise mix of old and new); returns the current header.
  @discardableResult
  private static func checkTarget(_ journal: UndoJournal, path: String, allowOld: Bool)
    throws(FormatError) -> [UInt8]
  {
    do {
      let fd = try Syscalls.open(path, flags: O_RDONLY)
      defer { _ = close(fd) }
      let identity = FileIdentity(try Syscalls.fileStatus(fd, path: path))
      guard journal.matches(identity) else {
        throw FormatError(
          .fileChanged, path: path,
          "the file is not the one the journal was written for (device, inode or size"
            + " differ: it was replaced since); nothing was changed")
      }
      let current = try readBytes(fd, count: journal.oldBytes.count, path: path)
      let consistent =
        allowOld
        ? current.indices.allSatisfy {
          current[$0] == journal.oldBytes[$0] || current[$0] == journal.newBytes[$0]
        } && current.count == journal.oldBytes.count
        : current == journal.newBytes
      guard consistent else {
        throw FormatError(
          .fileChanged, path: path,
          "the header is neither the edit's old nor its new bytes (another program changed"
            + " it since); nothing was changed")
      }
      return current
    } catch let error as FormatError {
      throw error
    } catch let error as SystemError {
      throw FormatError(error)
    } catch {
      throw FormatError(.io, path: path, "\(error)")
    }
  }

  private static func putBack(_ journal: UndoJournal, path: String, allowOld: Bool)
    throws(FormatError)
  {
    let current = try checkTarget(journal, path: path, allowOld: allowOld)
    if current == journal.oldBytes { return }
    try requireWritable(path)
    do {
      let fd = try Syscalls.open(path, flags: O_RDWR)
      defer { _ = close(fd) }
      try lock(fd, path: path)
      try write(journal.oldBytes, to: fd, path: path, crashingHalfwayAt: .midRestore)
      try Syscalls.fsync(fd, path: path)
      guard try readBytes(fd, count: journal.oldBytes.count, path: path) == journal.oldBytes
      else {
        throw FormatError(.io, path: path, "the restored header reads back differently")
      }
    } catch let error as FormatError {
      throw error
    } catch let error as SystemError {
      throw readOnlyOrWrapped(error)
    } catch {
      throw FormatError(.io, path: path, "\(error)")
    }
  }
}
