import Foundation
import Tensors
import Testing

/// The SIGBUS guard, run in a child process (an exit test) so the fault it provokes is seen
/// by no other test.
@Suite("Mapped file truncated underneath")
struct MappedFileChangeTests {
  @Test func readingPastATruncationGivesZerosAndRecordsTheChange() async {
    await #expect(processExitsWith: .success) {
      let page = Int(sysconf(Int32(_SC_PAGESIZE)))
      let path = NSTemporaryDirectory() + "spindle-sigbus-\(getpid()).bin"
      defer { unlink(path) }
      let bytes = [UInt8](repeating: 0xAB, count: 4 * page)
      guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { exit(2) }
      guard let file = try? MappedFile(path: path) else { exit(3) }
      guard MappedFile.changeCount == 0, file.change == nil, MappedFile.firstChange == nil else {
        exit(4)
      }
      guard truncate(path, off_t(page)) == 0 else { exit(5) }
      // The first page is still the file's; the rest went missing and reads as zeros.
      let first = file.withUnsafeBytes(in: 0..<page) { $0.allSatisfy { $0 == 0xAB } }
      let rest = file.withUnsafeBytes(in: page..<(4 * page)) { $0.allSatisfy { $0 == 0 } }
      guard first, rest else { exit(6) }
      let expected = MappedFile.Change(path: path, mappedBytes: 4 * page, firstMissingByte: page)
      guard file.change == expected, MappedFile.firstChange == expected,
        MappedFile.changeCount == 1
      else { exit(7) }
      // Still recorded once the mapping is gone.
      _ = consume file
      guard MappedFile.firstChange == expected else { exit(8) }
      exit(0)
    }
  }

  /// A SIGBUS outside every guarded mapping goes to the previous handler.
  ///
  /// The default kills with SIGBUS; a sanitizer's handler reports and exits 1 (ASan) or 66
  /// (TSan). Either way the process does not read on.
  @Test func aFaultOutsideEveryMappingStillKills() async {
    await #expect(processExitsWith: .failure) {
      let page = Int(sysconf(Int32(_SC_PAGESIZE)))
      let path = NSTemporaryDirectory() + "spindle-sigbus-raw-\(getpid()).bin"
      guard
        FileManager.default.createFile(atPath: path, contents: Data(repeating: 1, count: 2 * page))
      else { exit(2) }
      // The guarded mapping installs the handler; the plain mapping of the same file is not
      // guarded, and its fault must go on to kill the process.
      guard let file = try? MappedFile(path: path) else { exit(3) }
      let fd = open(path, O_RDONLY)
      guard fd >= 0, let raw = mmap(nil, 2 * page, PROT_READ, MAP_PRIVATE, fd, 0), raw != MAP_FAILED
      else { exit(4) }
      guard truncate(path, 0) == 0 else { exit(5) }
      unlink(path)
      // The byte decides the exit status, so an optimised build cannot drop the read.
      let byte = raw.load(fromByteOffset: page, as: UInt8.self)
      withExtendedLifetime(file) {}
      exit(byte == 0x5A ? 10 : 0)
    }
  }
}
