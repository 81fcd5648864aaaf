internal import CSystemShims

#if canImport(Glibc)
public import Glibc
#endif

/// A whole file mapped read-only into memory; every reader in Spindle reads through one.
///
/// The mapping lives as long as the object. Bytes are only reachable inside closures, so no
/// pointer outlives the mapping. An empty file has no mapping and reads as zero bytes.
/// ``init(copying:path:)`` holds bytes that are not a file, so every parser that reads a
/// `MappedFile` also reads a buffer in memory (fuzzing in process).
///
/// A mapping is guarded (see `MappedFile+Change`): if another process truncates the file while
/// it is mapped, reading the lost pages gives zeros instead of killing the process with SIGBUS,
/// and the file is recorded as changed so no result computed from it is kept.
public final class MappedFile: Sendable {
  /// The path the file was opened with.
  public let path: String
  /// The file size in bytes when it was mapped.
  public let count: Int
  /// Device and inode, to notice a file replaced underneath.
  public let identity: FileIdentity
  private nonisolated(unsafe) let base: UnsafeRawPointer?
  /// Whether `base` was allocated by ``init(copying:path:)`` rather than mapped.
  private let isCopy: Bool
  /// The mapping's slot in the SIGBUS guard, or -1 (a copy, an empty file, no slot left).
  let guardSlot: Int32

  /// Maps `path` read-only (`MAP_PRIVATE`).
  public init(path: String) throws(SystemError) {
    let fd = try Syscalls.open(path, flags: O_RDONLY)
    defer { _ = Glibc.close(fd) }
    let info = try Syscalls.fileStatus(fd, path: path)
    if (info.st_mode & S_IFMT) == S_IFDIR {
      throw SystemError(operation: "open", path: path, code: EISDIR)
    }
    let size = Int(info.st_size)
    var mapped: UnsafeRawPointer? = nil
    if size > 0 {
      let pointer = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
      if pointer == MAP_FAILED || pointer == nil {
        throw SystemError(operation: "mmap", path: path, code: errno)
      }
      mapped = UnsafeRawPointer(pointer)
    }
    self.path = path
    self.count = size
    self.identity = FileIdentity(info)
    self.base = mapped
    self.isCopy = false
    self.guardSlot = mapped.map { spindle_mapping_register($0, size, path) } ?? -1
  }

  /// Holds a copy of `bytes` as if it were a file; `path` names it in messages only, and the
  /// identity is all zeros.
  public convenience init(copying bytes: UnsafeRawBufferPointer, path: String) {
    self.init(copy: MappedFile.copy(bytes), count: bytes.count, path: path)
  }

  /// Holds a copy of `bytes` as if it were a file (see ``init(copying:path:)``).
  public convenience init(bytes: [UInt8], path: String) {
    self.init(copy: bytes.withUnsafeBytes(MappedFile.copy), count: bytes.count, path: path)
  }

  private init(copy: UnsafeRawPointer?, count: Int, path: String) {
    self.path = path
    self.count = count
    self.identity = FileIdentity(stat())
    self.base = copy
    self.isCopy = true
    self.guardSlot = -1
  }

  /// A new allocation holding `bytes`, or `nil` when they are empty.
  private static func copy(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawPointer? {
    guard !bytes.isEmpty else { return nil }
    let storage = UnsafeMutableRawBufferPointer.allocate(
      byteCount: bytes.count, alignment: MemoryLayout<UInt64>.alignment)
    storage.copyMemory(from: bytes)
    return UnsafeRawPointer(storage.baseAddress)
  }

  deinit {
    guard let base else { return }
    if isCopy {
      UnsafeMutableRawPointer(mutating: base).deallocate()
    } else {
      spindle_mapping_unregister(guardSlot)
      munmap(UnsafeMutableRawPointer(mutating: base), count)
    }
  }

  /// The system's page size, read once.
  private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

  /// Drops the resident pages wholly inside `range` (`madvise(MADV_DONTNEED)`): a streaming
  /// reader that is done with them keeps its memory flat; reading them again faults them back
  /// in from the file. Nothing happens for a copy held in memory.
  public func release(_ range: Range<Int>) {
    guard !isCopy, let base, range.lowerBound >= 0, range.upperBound <= count else { return }
    let page = Self.pageSize
    let start = (range.lowerBound + page - 1) / page * page
    let end = range.upperBound == count ? count : range.upperBound / page * page
    guard end > start else { return }
    madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
  }

  /// Calls `body` with the whole mapped file.
  @inlinable
  public func withUnsafeBytes<R, E: Error>(
    _ body: (UnsafeRawBufferPointer) throws(E) -> R
  ) throws(E) -> R {
    try body(bytes)
  }

  /// Calls `body` with `range` of the file; the range must lie inside the file.
  @inlinable
  public func withUnsafeBytes<R, E: Error>(
    in range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws(E) -> R
  ) throws(E) -> R {
    precondition(range.lowerBound >= 0 && range.upperBound <= count, "range outside the file")
    return try body(UnsafeRawBufferPointer(rebasing: bytes[range]))
  }

  /// Copies `range` out of the file.
  public func bytes(in range: Range<Int>) -> [UInt8] {
    withUnsafeBytes(in: range) { Array($0) }
  }

  @usableFromInline
  var bytes: UnsafeRawBufferPointer {
    @inline(__always) get { UnsafeRawBufferPointer(start: base, count: count) }
  }

  /// Tells the kernel the mapping will be read sequentially.
  public func adviseSequential() {
    if let base { madvise(UnsafeMutableRawPointer(mutating: base), count, MADV_SEQUENTIAL) }
  }
}

/// Device, inode, size and modification time of a file, to tell whether it changed.
public struct FileIdentity: Equatable, Sendable {
  public var device: UInt64
  public var inode: UInt64
  public var size: Int
  public var modificationSeconds: Int
  public var modificationNanoseconds: Int

  public init(_ info: stat) {
    device = UInt64(info.st_dev)
    inode = UInt64(info.st_ino)
    size = Int(info.st_size)
    modificationSeconds = Int(info.st_mtim.tv_sec)
    modificationNanoseconds = Int(info.st_mtim.tv_nsec)
  }

  /// The identity of the file now at `path`, or `nil` if there is none.
  public static func current(at path: String) throws(SystemError) -> FileIdentity? {
    try Syscalls.pathStatus(path).map(FileIdentity.init)
  }
}
