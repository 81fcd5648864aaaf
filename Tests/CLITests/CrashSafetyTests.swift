import Formats
import Foundation
import TestSupport
import Testing

/// Kills `spindle meta` and `spindle restore` with SIGKILL at each injected point
/// (`SPINDLE_CRASH_AT`) and checks the file against the exact old and new bytes.
@Suite("Crash safety", .serialized)
struct CrashSafetyTests {
  static let inPlacePoints = [
    "mid-journal-write", "after-journal-write", "mid-header-write", "before-journal-delete",
  ]

  /// A fixture rewritten by `spindle rewrite` (16 KiB reserve) as `folder/m.<ext>`.
  static func reserved(_ fixture: String, in folder: String) throws -> String {
    let ext = fixture.hasSuffix(".gguf") ? "gguf" : "safetensors"
    let path = "\(folder)/m.\(ext)"
    let result = try SpindleProcess.run("rewrite", "fixtures/\(fixture)", "-o", path)
    #expect(result.status == 0)
    return path
  }

  /// `spindle meta ACTION PATH OPERANDS… --in-place` for `edit` = [ACTION, OPERANDS…].
  static func meta(_ path: String, _ edit: [String]) -> [String] {
    ["meta", edit[0], path] + edit.dropFirst() + ["--in-place"]
  }

  /// The bytes `edit` produces on a copy of `path`, run without a crash.
  static func edited(_ path: String, _ edit: [String]) throws -> [UInt8] {
    let copy = path + ".expected"
    try FileManager.default.copyItem(atPath: path, toPath: copy)
    defer { try? FileManager.default.removeItem(atPath: copy) }
    defer { try? FileManager.default.removeItem(atPath: copy + ".spindle-undo") }
    let result = try SpindleProcess.run(Self.meta(copy, edit))
    #expect(result.status == 0)
    return try Scratch.bytes(copy)
  }

  @Test(
    arguments: ["gguf/tiny-llama.gguf", "safetensors/dtypes.safetensors"], inPlacePoints)
  func inPlaceEditKilled(fixture: String, point: String) throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Self.reserved(fixture, in: folder)
    let edit =
      fixture.hasSuffix(".gguf")
      ? ["set", "llama.context_length=8192"] : ["set", "note=edited by the crash test"]
    let old = try Scratch.bytes(path)
    let new = try Self.edited(path, edit)
    #expect(old.count == new.count && old != new)

    let crashed = try SpindleProcess.run(
      Self.meta(path, edit), environment: ["SPINDLE_CRASH_AT": point])
    #expect(crashed.signaled && crashed.status == SIGKILL)
    let after = try Scratch.bytes(path)
    let journal = FileManager.default.fileExists(atPath: path + ".spindle-journal")
    switch point {
    case "mid-journal-write", "after-journal-write":
      #expect(after == old)
    case "before-journal-delete":
      #expect(after == new)
    default:
      // A torn header: each byte is old or new (where the first half holds every
      // difference it equals the new bytes), and the journal says how to go back.
      #expect(after != old)
      #expect(after.indices.allSatisfy { after[$0] == old[$0] || after[$0] == new[$0] })
    }
    #expect(journal == (point != "mid-journal-write"))

    if journal {
      let refused = try SpindleProcess.run("inspect", path)
      #expect(refused.status == 1)
      #expect(refused.stderr.contains("an interrupted Spindle edit left \(path).spindle-journal"))
      #expect(refused.stderr.contains("Run `spindle restore \(path)`"))
    }
    let restored = try SpindleProcess.run("restore", path)
    #expect(restored.status == (journal ? 0 : 1))
    if journal {
      #expect(
        restored.stdout
          == "\(path): interrupted edit rolled back, \(Self.grouped(old.count - (fixture.hasSuffix(".gguf") ? 175_872 : 169))) header bytes restored\n"
      )
    } else {
      #expect(restored.stderr.contains("no interrupted or previous in-place edit to undo"))
    }
    #expect(try Scratch.bytes(path) == old)
    #expect(try Scratch.list(folder) == [URL(fileURLWithPath: path).lastPathComponent])
  }

  @Test func restoreKilledHalfwayCanRunAgain() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Self.reserved("gguf/tiny-llama.gguf", in: folder)
    let old = try Scratch.bytes(path)
    let edit = ["set", "llama.context_length=8192"]
    let new = try Self.edited(path, edit)
    _ = try SpindleProcess.run(
      Self.meta(path, edit), environment: ["SPINDLE_CRASH_AT": "before-journal-delete"])
    #expect(try Scratch.bytes(path) == new)
    let killed = try SpindleProcess.run(
      ["restore", path], environment: ["SPINDLE_CRASH_AT": "mid-restore"])
    #expect(killed.signaled)
    #expect(try Scratch.bytes(path) != new)
    #expect(try SpindleProcess.run("restore", path).status == 0)
    #expect(try Scratch.bytes(path) == old)
  }

  @Test(arguments: ["mid-rewrite-copy", "before-rename"])
  func rewriteKilled(point: String) throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = "\(folder)/tiny-llama.gguf"
    try FileManager.default.copyItem(
      atPath: "\(Repository.root)/fixtures/gguf/tiny-llama.gguf", toPath: path)
    let old = try Scratch.bytes(path)
    let edit = ["set", "general.name=\(String(repeating: "r", count: 400))"]
    let new = try Self.edited(path, edit)
    #expect(new.count == 198_592)
    let crashed = try SpindleProcess.run(
      Self.meta(path, edit), environment: ["SPINDLE_CRASH_AT": point])
    #expect(crashed.signaled && crashed.status == SIGKILL)
    #expect(try Scratch.bytes(path) == old)
    let leftovers = try Scratch.list(folder).filter { $0.hasSuffix(".tmp") }
    #expect(leftovers.count == 1)
    let restored = try SpindleProcess.run("restore", path)
    #expect(restored.status == 0)
    #expect(
      restored.stdout
        == "\(path): no edit to undo (the file is unchanged); removed 1 temporary file a killed"
        + " rewrite left: \(leftovers[0])\n")
    #expect(try Scratch.bytes(path) == old)
    #expect(try Scratch.list(folder) == ["tiny-llama.gguf"])
    #expect(try SpindleProcess.run(Self.meta(path, edit)).status == 0)
    #expect(try Scratch.bytes(path) == new)
  }

  @Test func metaReportsInPlaceAndRewrite() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Self.reserved("gguf/tiny-llama.gguf", in: folder)
    let dry = try SpindleProcess.run("meta", "set", path, "llama.context_length=8192", "--dry-run")
    #expect(
      dry.stdout == """
        \(path): GGUF, 1 change
          set    llama.context_length: UINT32 2048 → UINT32 8192
        in place: 22336 header bytes at 0..<22336 rewritten, 175872 data bytes untouched, 16401 bytes of room left

        """)
    let set = try SpindleProcess.run(
      "meta", "set", path, "general.flag=false", "--type", "bool", "--in-place")
    #expect(
      set.stdout == """
          add    general.flag: BOOL false
        \(path): header only, in place (22,336 header bytes written, data untouched, 16,376 bytes of header room left); undo: spindle restore \(path) (\(path).spindle-undo)

        """)
    let bad = try SpindleProcess.run("meta", "set", path, "general.flag=no", "--in-place")
    #expect(bad.status == 1)
    #expect(
      bad.stderr.contains("'general.flag' is BOOL: expected true, false, 1 or 0, found \"no\""))
    let usage = try SpindleProcess.run("meta", "frobnicate", path, "x")
    #expect(usage.status == 64)
  }

  // MARK: - File-system failures on a real tmpfs (root only)

  static func mount(_ arguments: [String]) throws -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/mount")
    process.arguments = arguments
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus == 0
  }

  /// Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN): probed once, so the
  /// tests below are reported as skipped, not passed, where they cannot run.
  static let canMountTmpfs: Bool = {
    guard getuid() == 0, let folder = try? Scratch.folder() else { return false }
    defer { Scratch.cleanUp(folder) }
    guard (try? mount(["-t", "tmpfs", "-o", "size=64k", "tmpfs", folder])) == true else {
      return false
    }
    unmount(folder)
    return true
  }()

  static func unmount(_ folder: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/umount")
    process.arguments = [folder]
    try? process.run()
    process.waitUntilExit()
  }

  @Test(.enabled(if: canMountTmpfs, "mounting a tmpfs needs root with CAP_SYS_ADMIN"))
  func fullDiskFailsBeforeWriting() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    try #require(try Self.mount(["-t", "tmpfs", "-o", "size=1m", "tmpfs", folder]))
    defer { Self.unmount(folder) }
    let path = "\(folder)/big.gguf"
    var writer = try GGUFWriter(path: path)
    try writer.add("general.name", .string("big"))
    try writer.addTensor(
      "w", dtype: .f32, shape: [180_000], data: .bytes([UInt8](repeating: 1, count: 720_000)))
    try writer.write()
    let old = try Scratch.bytes(path)
    let result = try SpindleProcess.run(
      "meta", "set", path, "general.name=\(String(repeating: "b", count: 100))", "--in-place")
    #expect(result.status == 1)
    #expect(result.stderr.contains("not enough free space: need 736"))
    #expect(result.stderr.contains("[noSpace]"))
    #expect(try Scratch.bytes(path) == old)
    #expect(try Scratch.list(folder) == ["big.gguf"])
  }

  @Test(.enabled(if: canMountTmpfs, "mounting a tmpfs needs root with CAP_SYS_ADMIN"))
  func readOnlyFileSystemIsRefused() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    try #require(try Self.mount(["-t", "tmpfs", "-o", "size=4m", "tmpfs", folder]))
    defer { Self.unmount(folder) }
    let path = try Self.reserved("gguf/tiny-llama.gguf", in: folder)
    let old = try Scratch.bytes(path)
    #expect(try Self.mount(["-o", "remount,ro", folder]))
    for value in ["8192", String(repeating: "7", count: 30)] {
      let key = value.count > 4 ? "general.name" : "llama.context_length"
      let result = try SpindleProcess.run("meta", "set", path, "\(key)=\(value)", "--in-place")
      #expect(result.status == 1)
      #expect(result.stderr.contains("Read-only file system"))
      #expect(result.stderr.contains("nothing was changed"))
      #expect(result.stderr.contains("[readOnly]"))
    }
    #expect(try Scratch.bytes(path) == old)
  }

  static func grouped(_ value: Int) -> String {
    let formatter = NumberFormatter()
    formatter.numberStyle = .decimal
    formatter.groupingSeparator = ","
    return formatter.string(from: NSNumber(value: value)) ?? "\(value)"
  }
}
