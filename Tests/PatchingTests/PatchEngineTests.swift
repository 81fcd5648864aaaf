import Formats
import Foundation
import Models
import Patching
import RoPE
import Tensors
import TestSupport
import Testing

@Suite("Patch engine")
struct PatchEngineTests {
  /// tiny-llama.gguf rewritten with 16 KiB of reserve (22,336 header bytes, 175,872 data).
  static func reservedGGUF(in folder: String) throws -> String {
    let path = "\(folder)/reserved.gguf"
    _ = try Checkpoint.open(Repository.fixture("gguf/tiny-llama.gguf")).rewrite(
      to: path, reserve: 16_384)
    return path
  }

  static func data(_ path: String, from offset: Int) throws -> [UInt8] {
    Array(try Scratch.bytes(path)[offset...])
  }

  @Test func ggufInPlaceWritesOnlyTheHeader() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Self.reservedGGUF(in: folder)
    let before = try Scratch.bytes(path)
    let plan = try HeaderPlan(
      path: path, edits: [.set(key: "llama.context_length", value: "8192", type: nil)])
    #expect(plan.strategy == .inPlace)
    #expect(plan.changes == ["set    llama.context_length: UINT32 2048 → UINT32 8192"])
    #expect(plan.oldHeader.count == 22_336)
    #expect(plan.newHeader.count == 22_336)
    let outcome = try PatchEngine.execute(plan)
    #expect(outcome.path == path && outcome.inPlace)
    #expect(outcome.bytesWritten == 22_336 && outcome.bytesCopiedInKernel == 0)
    let after = try Scratch.bytes(path)
    #expect(after.count == before.count)
    #expect(Array(after[22_336...]) == Array(before[22_336...]))
    let file = try GGUFFile(path: path)
    #expect(file.metadata("llama.context_length") == .uint32(8192))
    #expect(file.dataOffset == 22_336)
    #expect(file.reservedBytes == 16_401)
    #expect(file.paddingBeforeData == 0)
    #expect(file.metadata.last?.key == GGUFFile.reservedKey)
    #expect(FileManager.default.fileExists(atPath: path + ".spindle-undo"))
    #expect(!FileManager.default.fileExists(atPath: path + ".spindle-journal"))
  }

  @Test func ggufAddDeleteRenameStayInPlace() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Self.reservedGGUF(in: folder)
    let data = try Self.data(path, from: 22_336)
    let plan = try HeaderPlan(
      path: path,
      edits: [
        .set(key: "spindle.test", value: "false", type: .bool),
        .rename(from: "general.name", to: "general.title"),
        .delete(key: "general.architecture"),
      ])
    #expect(plan.strategy == .inPlace)
    _ = try PatchEngine.execute(plan)
    let file = try GGUFFile(path: path)
    #expect(file.metadata("spindle.test") == .bool(false))
    #expect(file.metadata("general.title") == .string("tiny-llama"))
    #expect(file.metadata("general.name") == nil)
    #expect(file.metadata("general.architecture") == nil)
    #expect(try Self.data(path, from: file.dataOffset) == data)
  }

  @Test func safetensorsInPlaceWithinPadding() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Scratch.copy("safetensors/dtypes.safetensors", into: folder)
    let before = try Scratch.bytes(path)
    let plan = try HeaderPlan(path: path, edits: [.set(key: "note", value: "hello", type: nil)])
    #expect(plan.strategy == .inPlace)
    #expect(plan.roomAfter == 17)
    let outcome = try PatchEngine.execute(plan)
    #expect(outcome.inPlace && outcome.bytesWritten == 912)
    let after = try Scratch.bytes(path)
    #expect(Array(after[912...]) == Array(before[912...]))
    let file = try SafetensorsFile(path: path)
    #expect(file.metadataValue(for: "note") == "hello")
    #expect(file.headerLength == 904)
    #expect(file.headerPadding == 17)
  }

  @Test func fallsBackToRewriteWhenThereIsNoRoom() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Scratch.copy("gguf/tiny-llama.gguf", into: folder)
    chmod(path, 0o640)
    let owned = getuid() == 0 && chown(path, 1234, 5678) == 0
    let data = try Self.data(path, from: 5920)
    let name = String(repeating: "x", count: 300)
    let plan = try HeaderPlan(
      path: path, edits: [.set(key: "general.name", value: name, type: nil)])
    #expect(
      plan.strategy
        == .rewrite("the new header needs 6185 bytes, the file has 5920 before its data"))
    let outcome = try PatchEngine.execute(plan)
    #expect(!outcome.inPlace)
    #expect(outcome.bytesWritten == 22_624 + 175_872)
    let file = try GGUFFile(path: path)
    #expect(file.metadata("general.name") == .string(name))
    #expect(file.reservedBytes == 16_384)
    #expect(file.dataOffset == 22_624)
    #expect(try Self.data(path, from: 22_624) == data)
    let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    #expect(mode == 0o640)
    if owned {
      let attributes = try FileManager.default.attributesOfItem(atPath: path)
      #expect(attributes[.ownerAccountID] as? Int == 1234)
      #expect(attributes[.groupOwnerAccountID] as? Int == 5678)
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["tiny-llama.gguf"])
  }

  @Test func safetensorsRewriteKeepsOffsets() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Scratch.copy("safetensors/dtypes.safetensors", into: folder)
    let old = try SafetensorsFile(path: path)
    let long = String(repeating: "y", count: 100)
    let plan = try HeaderPlan(
      path: path, edits: [.set(key: "long", value: long, type: nil)], reserve: 64)
    guard case .rewrite = plan.strategy else {
      Issue.record("expected a rewrite")
      return
    }
    _ = try PatchEngine.execute(plan)
    let file = try SafetensorsFile(path: path)
    #expect(file.metadataValue(for: "long") == long)
    for entry in old.tensors {
      let moved = try #require(file.tensor(named: entry.name))
      #expect(moved.offset - file.dataStart == entry.offset - old.dataStart)
      #expect(file.withBytes(of: moved, Array.init) == old.withBytes(of: entry, Array.init))
    }
  }

  @Test func restoreUndoesTheLastInPlaceEdit() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Self.reservedGGUF(in: folder)
    let original = try Scratch.bytes(path)
    _ = try PatchEngine.execute(
      try HeaderPlan(
        path: path, edits: [.set(key: "llama.context_length", value: "8192", type: nil)]))
    #expect(try Scratch.bytes(path) != original)
    #expect(try PatchEngine.restore(path) == .undone(bytes: 22_336))
    #expect(try Scratch.bytes(path) == original)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["reserved.gguf"])
    #expect(throws: PatchError.self) { try PatchEngine.restore(path) }
    do { _ = try PatchEngine.restore(path) } catch {
      #expect(error.format?.kind == .nothingToRestore)
    }
  }

  @Test func interruptedEditIsRefusedThenRecovered() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Self.reservedGGUF(in: folder)
    let original = try Scratch.bytes(path)
    let plan = try HeaderPlan(
      path: path, edits: [.set(key: "llama.context_length", value: "8192", type: nil)])
    // Simulate a crash halfway through the header write: journal present, header torn.
    let identity = try #require(try FileIdentity.current(at: path))
    try UndoJournal(
      device: identity.device, inode: identity.inode, fileSize: identity.size, offset: 0,
      oldBytes: plan.oldHeader, newBytes: plan.newHeader
    ).write(to: path + ".spindle-journal")
    let handle = try #require(FileHandle(forWritingAtPath: path))
    try handle.write(contentsOf: Data(plan.newHeader[0..<11_000]))
    try handle.close()
    #expect(throws: FormatError.self) { try Checkpoint.open(path) }
    do { _ = try Checkpoint.open(path) } catch { #expect(error.kind == .interruptedEdit) }
    do { _ = try HeaderPlan(path: path, edits: [.delete(key: "general.name")]) } catch {
      #expect(error.format?.kind == .interruptedEdit)
    }
    #expect(try PatchEngine.restore(path) == .recovered(bytes: 22_336))
    #expect(try Scratch.bytes(path) == original)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["reserved.gguf"])
  }

  @Test func restoreRefusesAForeignHeader() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Self.reservedGGUF(in: folder)
    _ = try PatchEngine.execute(
      try HeaderPlan(
        path: path, edits: [.set(key: "llama.context_length", value: "8192", type: nil)]))
    _ = try PatchEngine.execute(
      try HeaderPlan(
        path: path, edits: [.set(key: "llama.context_length", value: "4096", type: nil)]))
    // A second edit replaced the undo record: restore goes back to 8192 only.
    #expect(try PatchEngine.restore(path) == .undone(bytes: 22_336))
    #expect(try GGUFFile(path: path).metadata("llama.context_length") == .uint32(8192))
    // Another program changes the header after an edit: the undo no longer applies.
    _ = try PatchEngine.execute(
      try HeaderPlan(path: path, edits: [.set(key: "general.name", value: "other", type: nil)]))
    let handle = try #require(FileHandle(forWritingAtPath: path))
    try handle.seek(toOffset: 40)
    try handle.write(contentsOf: Data([0x7A]))
    try handle.close()
    let changed = try Scratch.bytes(path)
    do { _ = try PatchEngine.restore(path) } catch { #expect(error.format?.kind == .fileChanged) }
    #expect(try Scratch.bytes(path) == changed)
  }

  @Test func readOnlyFileIsRefused() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Self.reservedGGUF(in: folder)
    chmod(path, 0o444)
    let original = try Scratch.bytes(path)
    for value in ["8192", String(repeating: "9", count: 9)] {
      let type: GGUFValueType? = value.count > 4 ? .uint64 : nil
      let plan = try HeaderPlan(
        path: path, edits: [.set(key: "llama.context_length", value: value, type: type)])
      do {
        _ = try PatchEngine.execute(plan)
        Issue.record("a read-only file was written")
      } catch {
        #expect(error.format?.kind == .readOnly)
        #expect(error.message.contains("read-only (mode 444); nothing was changed"))
      }
    }
    #expect(try Scratch.bytes(path) == original)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["reserved.gguf"])
  }

  @Test(arguments: [false, true])
  func fileChangedUnderneathIsRefused(rewrite: Bool) throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Self.reservedGGUF(in: folder)
    let plan = try HeaderPlan(
      path: path,
      edits: [
        .set(
          key: "general.name", value: String(repeating: "n", count: rewrite ? 20_000 : 5), type: nil
        )
      ])
    #expect((plan.strategy == .inPlace) == !rewrite)
    let handle = try #require(FileHandle(forWritingAtPath: path))
    try handle.seekToEnd()
    try handle.write(contentsOf: Data([0]))
    try handle.close()
    let changed = try Scratch.bytes(path)
    do {
      _ = try PatchEngine.execute(plan)
      Issue.record("a changed file was written")
    } catch {
      #expect(error.format?.kind == .fileChanged)
    }
    #expect(try Scratch.bytes(path) == changed)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["reserved.gguf"])
  }

  @Test func aLockedFileIsRefused() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Self.reservedGGUF(in: folder)
    let original = try Scratch.bytes(path)
    let plan = try HeaderPlan(
      path: path, edits: [.set(key: "llama.context_length", value: "8192", type: nil)])
    let holder = open(path, O_RDONLY)
    defer { close(holder) }
    #expect(try Syscalls.lockExclusively(holder, path: path))
    do {
      _ = try PatchEngine.execute(plan)
      Issue.record("a locked file was written")
    } catch {
      #expect(error.format?.kind == .fileChanged)
      #expect(error.message.contains("another process is editing the file"))
    }
    #expect(try Scratch.bytes(path) == original)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["reserved.gguf"])
  }

  @Test func valuesAreParsedByDeclaredOrExistingType() throws {
    func parse(_ text: String, _ type: GGUFValueType) throws(PatchError) -> GGUFValue {
      try MetadataValueParser.value(text, as: type, key: "k", path: "f")
    }
    #expect(try parse("false", .bool) == .bool(false))
    #expect(try parse("False", .bool) == .bool(false))
    #expect(try parse("1", .bool) == .bool(true))
    #expect(try parse("false", .string) == .string("false"))
    #expect(try parse("255", .uint8) == .uint8(255))
    #expect(try parse("-7", .int32) == .int32(-7))
    #expect(try parse("0.25", .float32) == .float32(0.25))
    for (text, type) in [
      ("yes", GGUFValueType.bool), ("", .bool), ("256", .uint8), ("1.5", .uint32),
    ] {
      do {
        _ = try parse(text, type)
        Issue.record("\"\(text)\" parsed as \(type.name)")
      } catch {
        #expect(error.kind == .invalidValue)
      }
    }
    do { _ = try parse("nope", .bool) } catch {
      #expect(error.message == "'k' is BOOL: expected true, false, 1 or 0, found \"nope\"")
    }
    #expect(MetadataValueParser.type(named: "UINT32") == .uint32)
    #expect(MetadataValueParser.type(named: "f32") == .float32)
    #expect(MetadataValueParser.type(named: "array") == nil)

    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Scratch.copy("gguf/tiny-llama.gguf", into: folder)
    // An existing UINT32 takes the text as UINT32; a new key needs a type.
    do {
      _ = try HeaderPlan(
        path: path, edits: [.set(key: "llama.context_length", value: "false", type: nil)])
    } catch {
      #expect(error.kind == .invalidValue)
    }
    do {
      _ = try HeaderPlan(path: path, edits: [.set(key: "new.key", value: "1", type: nil)])
    } catch {
      #expect(error.kind == .invalidArgument)
    }
    do { _ = try HeaderPlan(path: path, edits: [.delete(key: "no.such.key")]) } catch {
      #expect(error.kind == .missingKey)
    }
    do { _ = try HeaderPlan(path: path, edits: [.delete(key: "general.alignment")]) } catch {
      #expect(error.kind == .unsupported)
    }
  }

  @Test func journalRoundTripsAndDetectsCorruption() throws {
    #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    let journal = UndoJournal(
      device: 1, inode: 2, fileSize: 3, offset: 0, oldBytes: [1, 2, 3], newBytes: [4, 5, 6])
    var bytes = journal.encoded()
    #expect(bytes.count == 8 + 4 + 4 + 40 + 6 + 4)
    #expect(try UndoJournal(decoding: bytes, path: "j") == journal)
    bytes[60] ^= 1
    do { _ = try UndoJournal(decoding: bytes, path: "j") } catch {
      #expect(error.kind == .invalidJournal)
      #expect(error.message == "not a usable Spindle journal: checksum mismatch")
    }
    do { _ = try UndoJournal(decoding: Array(bytes[0..<30]), path: "j") } catch {
      #expect(error.kind == .invalidJournal)
    }
  }
}

@Suite("Stamping through the patch engine")
struct StampThroughEngineTests {
  @Test func stampInPlaceWritesOnlyTheHeaderAndCanBeRestored() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try PatchEngineTests.reservedGGUF(in: folder)
    let original = try Scratch.bytes(path)
    try StampPlan(path: path, request: StampRequest(method: .yarn, factor: 4)).execute(.inPlace)
    let stamped = try Scratch.bytes(path)
    #expect(stamped.count == original.count)
    #expect(Array(stamped[22_336...]) == Array(original[22_336...]))
    let file = try GGUFFile(path: path)
    #expect(file.dataOffset == 22_336)
    #expect(try RoPESettings(gguf: file).scaling == .yarn(factor: 4))
    #expect(try PatchEngine.restore(path) == .undone(bytes: 22_336))
    #expect(try Scratch.bytes(path) == original)
  }

  @Test func stampRefusesAFileWithAJournal() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Scratch.copy("gguf/tiny-llama.gguf", into: folder)
    try UndoJournal(device: 0, inode: 0, fileSize: 0, offset: 0, oldBytes: [], newBytes: [])
      .write(to: path + ".spindle-journal")
    do {
      _ = try StampPlan(path: path, request: StampRequest(method: .yarn, factor: 4))
      Issue.record("stamp planned over an interrupted edit")
    } catch {
      #expect(error.format?.kind == .interruptedEdit)
    }
    // The journal names another file: restore refuses and changes nothing.
    do { _ = try PatchEngine.restore(path) } catch { #expect(error.format?.kind == .fileChanged) }
    #expect(try Scratch.bytes(path) == Scratch.bytes(Repository.fixture("gguf/tiny-llama.gguf")))
  }
}
