import Foundation
import Testing

@testable import Tensors

@Suite("MappedFile and ByteReader")
struct MappedFileTests {
  private func scratchFile(_ bytes: [UInt8]) throws -> String {
    let path = NSTemporaryDirectory() + "spindle-mapped-\(UUID().uuidString)"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  @Test func mapsAndReadsBothEndiannesses() throws {
    let path = try scratchFile([0x47, 0x47, 0x55, 0x46, 0x03, 0, 0, 0, 0, 0, 0x80, 0x3F])
    defer { try? FileManager.default.removeItem(atPath: path) }
    let file = try MappedFile(path: path)
    #expect(file.count == 12)
    var reader = ByteReader(file: file)
    #expect(reader.readInteger(as: UInt32.self) == 0x4655_4747)
    #expect(reader.readInteger(as: UInt32.self) == 3)
    #expect(reader.readFloat() == 1.0)
    #expect(reader.readInteger(as: UInt8.self) == nil)
    #expect(reader.offset == 12)
    let big = ByteReader(file: file, endianness: .big)
    #expect(big.getInteger(at: 4, as: UInt32.self) == 0x0300_0000)
    #expect(big.getInteger(at: 9, as: UInt32.self) == nil)
    #expect(big.getInteger(at: Int.max - 2, as: UInt32.self) == nil)
    #expect(big.getInteger(at: -1, as: UInt8.self) == nil)
  }

  /// Released pages read back the file's bytes (faulted in again), partial pages at the ends
  /// of the range included; a copy held in memory is left alone.
  @Test func releasedPagesReadTheSameBytes() throws {
    let bytes = (0..<(5 * 4096 + 123)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
    let path = try scratchFile(bytes)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let file = try MappedFile(path: path)
    #expect(file.withUnsafeBytes { Array($0) } == bytes)
    file.release(100..<(3 * 4096 + 5))
    file.release(0..<file.count)
    #expect(file.withUnsafeBytes { Array($0) } == bytes)
    let copy = MappedFile(bytes: bytes, path: "memory")
    copy.release(0..<copy.count)
    #expect(copy.withUnsafeBytes { Array($0) } == bytes)
  }

  @Test func emptyFileMapsToNoBytes() throws {
    let path = try scratchFile([])
    defer { try? FileManager.default.removeItem(atPath: path) }
    let file = try MappedFile(path: path)
    #expect(file.count == 0)
    #expect(ByteReader(file: file).getInteger(at: 0, as: UInt8.self) == nil)
  }

  @Test func stringsAreValidatedAsUTF8() throws {
    let path = try scratchFile(Array("héllo".utf8) + [0xFF, 0xFE])
    defer { try? FileManager.default.removeItem(atPath: path) }
    let reader = ByteReader(file: try MappedFile(path: path))
    #expect(reader.getString(at: 0, count: 6) == .valid("héllo"))
    #expect(reader.getString(at: 6, count: 2) == .invalid([0xFF, 0xFE]))
    #expect(reader.getString(at: 6, count: 3) == nil)
  }

  @Test func missingFileAndDirectoryAreSystemErrors() throws {
    #expect(throws: SystemError(operation: "open", path: "/nonexistent/x", code: ENOENT)) {
      try MappedFile(path: "/nonexistent/x")
    }
    #expect(throws: SystemError(operation: "open", path: "/tmp", code: EISDIR)) {
      try MappedFile(path: "/tmp")
    }
  }

  /// Reading a mapped file never copies it: /proc/self/maps lists the mapping.
  @Test func mappingIsVisibleInProcessMaps() throws {
    let path = try scratchFile([UInt8](repeating: 7, count: 1 << 16))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let file = try MappedFile(path: path)
    let handle = try #require(FileHandle(forReadingAtPath: "/proc/self/maps"))
    let maps = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
    #expect(maps.contains(path))
    #expect(file.bytes(in: 100..<104) == [7, 7, 7, 7])
  }
}
