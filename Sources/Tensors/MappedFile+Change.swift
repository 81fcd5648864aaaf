internal import CSystemShims

#if canImport(Glibc)
import Glibc
#endif

/// Files that shrank while mapped.
///
/// Truncating a mapped file makes reading its lost pages raise SIGBUS, which would kill the
/// process. The guard (a SIGBUS handler in CSystemShims, installed by the first mapping) maps
/// zero pages over the lost part instead and lets the read go on, so whatever was computed
/// from that file is wrong but nothing crashes; callers then ask ``changeCount`` or
/// ``firstChange`` and refuse the result (the atomic writer does not commit, the CLI exits 1).
/// A fault outside any mapping still goes to the previous handler.
extension MappedFile {
  /// A mapped file whose end went missing while it was read.
  public struct Change: Sendable, Equatable {
    /// The path the file was mapped from.
    public var path: String
    /// Its size when mapped.
    public var mappedBytes: Int
    /// The offset of the first page found missing (page-aligned).
    public var firstMissingByte: Int

    public init(path: String, mappedBytes: Int, firstMissingByte: Int) {
      self.path = path
      self.mappedBytes = mappedBytes
      self.firstMissingByte = firstMissingByte
    }
  }

  /// Faults caught in any mapping since the process started; compare two readings to know
  /// whether a file changed in between.
  public static var changeCount: Int { spindle_mapping_fault_count() }

  /// The first file that shrank while mapped in this process (still mapped or not), if any.
  public static var firstChange: Change? {
    var path: UnsafeMutablePointer<CChar>? = nil
    var length = 0
    var offset = 0
    guard spindle_mapping_first_fault(&path, &length, &offset) != 0, let path else { return nil }
    defer { free(path) }
    return Change(path: String(cString: path), mappedBytes: length, firstMissingByte: offset)
  }

  /// This file's change, if its end went missing while mapped.
  public var change: Change? {
    var offset = 0
    guard spindle_mapping_faulted(guardSlot, &offset) != 0 else { return nil }
    return Change(path: path, mappedBytes: count, firstMissingByte: offset)
  }

  /// The change of the mapped file holding `address`, if that file is now shorter than mapped.
  ///
  /// Its first missing byte is its size now. For a system call that was given mapped bytes
  /// and failed with `EFAULT`: the kernel met the missing pages, so no SIGBUS came.
  public static func change(containing address: UnsafeRawPointer) -> Change? {
    var path: UnsafeMutablePointer<CChar>? = nil
    var length = 0
    guard spindle_mapping_lookup(address, &path, &length) != 0, let path else { return nil }
    defer { free(path) }
    let name = String(cString: path)
    let now = (try? Syscalls.pathStatus(name))?.map { Int($0.st_size) } ?? 0
    guard now < length else { return nil }
    return Change(path: name, mappedBytes: length, firstMissingByte: now)
  }
}
