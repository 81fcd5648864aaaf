import Formats
import Foundation
import Tensors
import TestSupport
import Testing

@Suite("zstd streams")
struct ZstdTests {
  private func compressed(_ bytes: [UInt8], in folder: String) throws -> (MappedFile, [UInt8]) {
    try Scratch.write(bytes, to: "\(folder)/plain")
    let writer = try AtomicFileWriter(destination: "\(folder)/plain.zst")
    try Zstd.compress(try MappedFile(path: "\(folder)/plain"), into: writer, level: 3)
    try writer.commit()
    return (try MappedFile(path: "\(folder)/plain.zst"), try Scratch.bytes("\(folder)/plain.zst"))
  }

  @Test(arguments: [0, 1, 4096, 3 << 20])
  func roundTrips(size: Int) throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var rng = SystemRandomNumberGenerator()
    let bytes = (0..<size).map { i in
      i % 7 == 0 ? UInt8.random(in: 0...255, using: &rng) : UInt8(i % 5)
    }
    let (file, raw) = try compressed(bytes, in: folder)
    #expect(Array(raw.prefix(4)) == Zstd.magic)
    #expect(Zstd.isCompressed(file))
    var out: [UInt8] = []
    let produced = try Zstd.decompress(file) { out.append(contentsOf: $0) }
    #expect(produced == size)
    #expect(out == bytes)
  }

  @Test func limitStopsEarly() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let bytes = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 / 3) }
    let (file, _) = try compressed(bytes, in: folder)
    var out: [UInt8] = []
    try Zstd.decompress(file, limit: 1000) { out.append(contentsOf: $0) }
    #expect(out == Array(bytes.prefix(1000)))
  }

  @Test func truncatedAndForeignStreamsAreErrors() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    let (_, raw) = try compressed(bytes, in: folder)
    try Scratch.write(Array(raw.dropLast(10)), to: "\(folder)/cut.zst")
    try Scratch.write(Array("GGUF not zstd".utf8), to: "\(folder)/plain.gguf")
    for name in ["cut.zst", "plain.gguf"] {
      #expect {
        try Zstd.decompress(try MappedFile(path: "\(folder)/\(name)")) { _ in }
      } throws: { error in
        (error as? FormatError)?.kind == .compression
      }
    }
  }

  /// Spindle's frames are standard zstd: the reference `zstd` tool decodes them.
  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/zstd")))
  func referenceToolReadsSpindleFrames() throws {
    let folder = try Scratch.folder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
    _ = try compressed(bytes, in: folder)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/zstd")
    process.arguments = ["-q", "-d", "-f", "\(folder)/plain.zst", "-o", "\(folder)/back"]
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    #expect(try Scratch.bytes("\(folder)/back") == bytes)
  }
}
