import Formats
import Foundation
import Tensors
import TestSupport
import Testing

@Suite("AtomicFileWriter")
struct AtomicFileWriterTests {
  @Test func nothingUnderTheFinalNameUntilCommit() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let destination = "\(folder)/out.bin"
    let writer = try AtomicFileWriter(destination: destination)
    try writer.write([1, 2, 3])
    try writer.writeRepeating(0, count: 5)
    try writer.flush()
    #expect(!FileManager.default.fileExists(atPath: destination))
    #expect(try Scratch.list(folder).count == 1)
    try writer.commit()
    #expect(try Scratch.bytes(destination) == [1, 2, 3, 0, 0, 0, 0, 0])
    #expect(try Scratch.list(folder) == ["out.bin"])
  }

  @Test func abortLeavesTheOldFileAndNoTemporary() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let destination = "\(folder)/model.gguf"
    try Scratch.write([9, 9], to: destination)
    do {
      let writer = try AtomicFileWriter(destination: destination)
      try writer.write([UInt8](repeating: 1, count: 3 << 20))
      writer.abort()
    }
    do {
      // Dropped without commit: the same as abort.
      let writer = try AtomicFileWriter(destination: destination)
      try writer.write([1])
    }
    #expect(try Scratch.bytes(destination) == [9, 9])
    #expect(try Scratch.list(folder) == ["model.gguf"])
  }

  @Test func keepsTheModeOfTheFileItReplaces() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let destination = "\(folder)/model.safetensors"
    try Scratch.write([0], to: destination)
    try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: destination)
    let writer = try AtomicFileWriter(destination: destination)
    try writer.write([1])
    try writer.commit()
    let mode = try FileManager.default.attributesOfItem(atPath: destination)[.posixPermissions]
    #expect((mode as? NSNumber)?.intValue == 0o640)
  }

  @Test func copiesRangesOfAnotherFile() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let source = "\(folder)/source"
    let bytes = (0..<(5 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    try Scratch.write(bytes, to: source)
    let mapped = try MappedFile(path: source)
    let writer = try AtomicFileWriter(destination: "\(folder)/copy")
    try writer.write([0xAA])
    try writer.copy(from: mapped, range: 10..<(4 << 20))
    try writer.write([0xBB])
    try writer.copy(from: mapped, range: 0..<3)
    try writer.commit()
    let copied = try Scratch.bytes("\(folder)/copy")
    var expected: [UInt8] = [0xAA]
    expected += bytes[10..<(4 << 20)]
    expected.append(0xBB)
    expected += bytes[0..<3]
    #expect(copied == expected)
  }

  /// A source replaced under its path after mapping still copies the mapped (old) bytes.
  @Test func copiesTheMappedFileEvenIfItsPathNowNamesAnother() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let source = "\(folder)/source"
    let original = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
    try Scratch.write(original, to: source)
    let mapped = try MappedFile(path: source)
    try Scratch.write([UInt8](repeating: 0xEE, count: 100_000), to: "\(folder)/other")
    #expect(rename("\(folder)/other", source) == 0)
    let writer = try AtomicFileWriter(destination: "\(folder)/copy")
    try writer.copy(from: mapped, range: 0..<100_000)
    try writer.commit()
    #expect(writer.bytesCopiedInKernel == 0)
    #expect(try Scratch.bytes("\(folder)/copy") == original)
  }

  @Test func refusesEarlyWhenSpaceIsShort() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let writer = try AtomicFileWriter(destination: "\(folder)/big")
    #expect {
      try writer.requireSpace(Int.max / 2)
    } throws: { error in
      (error as? FormatError)?.kind == .noSpace
    }
    writer.abort()
    #expect(try Scratch.list(folder).isEmpty)
  }

  @Test func unwritableFolderIsAnIOError() {
    #expect {
      try AtomicFileWriter(destination: "/proc/spindle-cannot-write-here")
    } throws: { error in
      guard let error = error as? FormatError else { return false }
      return error.kind == .io || error.kind == .notFound
    }
  }
}
