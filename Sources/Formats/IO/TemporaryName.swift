import Tensors

#if canImport(Glibc)
import Glibc
#endif

/// The hidden names Spindle builds outputs under before renaming them into place, and the
/// sweep of those a killed process left behind.
///
/// Files: `.NAME.spindle-PID-N.tmp` (``AtomicFileWriter``, `N` counting writers in the
/// process) and `.NAME.spindle-PID-plain.tmp` (the uncompressed stage of a `.zst` output);
/// folders: `.NAME.spindle-PID.tmp`. `NAME` is the final name, `PID` the writing process. One
/// whose process no longer exists is stale: the next write of `NAME` removes it, `spindle
/// restore NAME` removes it, and `spindle validate` reports it. (A reused pid keeps a stale
/// name alive until that process ends: never removing a live writer's file is the point.)
public enum TemporaryName {
  /// A leftover found by ``stale(in:target:)``.
  public struct Leftover: Equatable, Sendable {
    /// Its name in the folder.
    public var name: String
    /// The final name it was being built for.
    public var target: String
    /// The process that was writing it.
    public var pid: Int32
  }

  /// The temporary name for a file being written as `name`, the `count`-th in this process.
  public static func file(for name: String, count: Int) -> String {
    ".\(name).spindle-\(getpid())-\(count).tmp"
  }

  /// The temporary name for a folder being built as `name`.
  public static func folder(for name: String) -> String {
    ".\(name).spindle-\(getpid()).tmp"
  }

  /// Splits `entry` into the final name and the writing pid, or `nil` when it is not one of
  /// Spindle's temporary names.
  public static func parse(_ entry: String) -> (target: String, pid: Int32)? {
    let bytes = Array(entry.utf8)
    let marker = Array(".spindle-".utf8)
    guard bytes.first == UInt8(ascii: "."), entry.hasSuffix(".tmp"),
      bytes.count > marker.count + 5,
      let start = (1...(bytes.count - marker.count - 4)).reversed().first(where: {
        Array(bytes[$0..<($0 + marker.count)]) == marker
      })
    else { return nil }
    let rest = bytes[(start + marker.count)..<(bytes.count - 4)]
    let digits = rest.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    guard start > 1, !digits.isEmpty, digits.count <= 9,
      digits.count == rest.count || rest[digits.endIndex] == UInt8(ascii: "-"),
      let pid = Int32(String(decoding: digits, as: UTF8.self))
    else { return nil }
    return (String(decoding: bytes[1..<start], as: UTF8.self), pid)
  }

  /// The stale temporaries in `folder`, for the final name `target` or (without) for any.
  public static func stale(in folder: String, target: String? = nil) -> [Leftover] {
    guard let names = try? Syscalls.directoryEntries(folder) else { return [] }
    return names.sorted().compactMap { entry in
      guard let (name, pid) = parse(entry), target == nil || name == target,
        !Syscalls.processExists(pid)
      else { return nil }
      return Leftover(name: entry, target: name, pid: pid)
    }
  }

  /// Removes the stale temporaries of `target` in `folder` (files, and the flat folders a
  /// killed folder build left); returns the names removed.
  @discardableResult
  public static func removeStale(in folder: String, target: String) -> [String] {
    stale(in: folder, target: target).compactMap { leftover in
      let path = "\(folder)/\(leftover.name)"
      if unlink(path) == 0 { return leftover.name }
      guard errno == EISDIR || errno == EPERM else { return nil }
      for inner in (try? Syscalls.directoryEntries(path)) ?? [] { _ = unlink("\(path)/\(inner)") }
      return rmdir(path) == 0 ? leftover.name : nil
    }
  }

  /// One warning (`staleTemporary`) per leftover of a killed Spindle process that concerns
  /// `path`: beside a file, inside and beside a folder, and a file's half-written journal.
  public static func leftoverWarnings(for path: String) -> [FormatError] {
    let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    let (folder, name) = AtomicFileWriter.split(trimmed)
    var found = stale(in: folder, target: name).map { ("\(folder)/\($0.name)", $0) }
    if let status = try? Syscalls.pathStatus(trimmed), (status.st_mode & S_IFMT) == S_IFDIR {
      found += stale(in: trimmed).map { ("\(trimmed)/\($0.name)", $0) }
    }
    var warnings = found.map { path, leftover in
      FormatError(
        .staleTemporary, path: path,
        "left by a killed Spindle process (pid \(leftover.pid)) writing \(leftover.target);"
          + " the final file was never replaced. The next write of \(leftover.target) removes"
          + " it, or delete it")
    }
    let journal = UndoJournal.journalPath(for: trimmed) + ".tmp"
    if (try? Syscalls.pathStatus(journal)) ?? nil != nil {
      warnings.append(
        FormatError(
          .staleTemporary, path: journal,
          "a half-written undo journal: an in-place edit was killed before touching the file;"
            + " `spindle restore \(trimmed)` removes it"))
    }
    return warnings
  }
}
