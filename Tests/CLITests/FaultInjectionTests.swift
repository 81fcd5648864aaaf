import Formats
import Foundation
import TestSupport
import Testing

/// Failing system calls on purpose (`SPINDLE_FAULT`, the syscall wrappers' test hook: a full
/// disk, a refused permission, a read-only file system, a failed fsync or rename), symlinked
/// inputs and outputs, an output naming the input, and two processes at one file. Each
/// failure exits 1 with a located message, leaves the input's bytes and no file under the
/// output name, and no temporary file behind.
@Suite("Fault injection", .serialized)
struct FaultInjectionTests {
  static let longName = "general.name=" + String(repeating: "r", count: 400)

  /// Commands that write a new file: arguments for (input, output) and the fixture.
  static let writers: [(name: String, fixture: String, arguments: [String])] = [
    ("rewrite", "gguf/tiny-llama.gguf", ["rewrite", "IN", "-o", "OUT"]),
    ("meta", "gguf/tiny-llama.gguf", ["meta", "set", "IN", longName, "-o", "OUT"]),
    ("stamp", "gguf/tiny-llama.gguf", ["stamp", "IN", "--yarn", "4", "-o", "OUT"]),
    ("tables", "gguf/tiny-llama.gguf", ["tables", "IN", "-o", "OUT"]),
    ("convert", "architectures/models/llama", ["convert", "IN", "-o", "OUT", "--dtype", "f32"]),
    ("meta in place", "gguf/tiny-llama.gguf", ["meta", "set", "IN", longName, "--in-place"]),
  ]

  static func command(_ arguments: [String], input: String, output: String) -> [String] {
    arguments.map { $0 == "IN" ? input : $0 == "OUT" ? output : $0 }
  }

  /// Budgets of bytes the "disk" takes before `ENOSPC`: none, inside the first buffer, and
  /// mid-way through the tensor data.
  @Test(arguments: [0, 3000, 100_000])
  func diskFull(budget: Int) throws {
    for writer in Self.writers {
      let folder = try Scratch.folder()
      defer { Scratch.cleanUp(folder) }
      var input = try Scratch.copy(writer.fixture, into: folder)
      if writer.name == "tables" {
        // tables bakes the scaling a stamped model declares.
        let stamped = "\(folder)/stamped.gguf"
        try #require(
          try SpindleProcess.run("stamp", input, "--yarn", "4", "-o", stamped).status == 0)
        try FileManager.default.removeItem(atPath: input)
        input = stamped
      }
      let output = writer.name.hasSuffix("in place") ? input : "\(folder)/out.gguf"
      let before = try Scratch.list(folder)
      let old = writer.fixture.hasSuffix(".gguf") ? try Scratch.bytes(input) : []
      let result = try SpindleProcess.run(
        Self.command(writer.arguments, input: input, output: output),
        environment: ["SPINDLE_FAULT": "write:ENOSPC@\(budget)"])
      #expect(result.status == 1, "\(writer.name) @\(budget): \(result.stdout)")
      #expect(
        result.stderr.contains("No space left on device"),
        "\(writer.name) @\(budget): \(result.stderr)")
      #expect(result.stderr.contains("[noSpace]"), "\(writer.name): \(result.stderr)")
      #expect(
        result.stderr.contains(writer.name == "convert" ? folder : output),
        "\(writer.name): the message names no path: \(result.stderr)")
      #expect(try Scratch.list(folder) == before, "\(writer.name) @\(budget): files left")
      if !old.isEmpty { #expect(try Scratch.bytes(input) == old, "\(writer.name)") }
    }
  }

  @Test func diskFullAtTheRenameOrFsync() throws {
    for fault in ["rename:EXDEV", "fsync:EIO"] {
      let folder = try Scratch.folder()
      defer { Scratch.cleanUp(folder) }
      let input = try Scratch.copy("gguf/tiny-llama.gguf", into: folder)
      let output = "\(folder)/out.gguf"
      let result = try SpindleProcess.run(
        ["rewrite", input, "-o", output], environment: ["SPINDLE_FAULT": fault])
      #expect(result.status == 1)
      let operation = fault.hasPrefix("rename") ? "rename" : "fsync"
      let reason = fault.hasPrefix("rename") ? "Invalid cross-device link" : "Input/output error"
      #expect(
        result.stderr.hasPrefix("Error: \(output): \(operation) failed: \(reason)"),
        "\(result.stderr)")
      #expect(try Scratch.list(folder) == ["tiny-llama.gguf"])
    }
  }

  /// A reserved copy of the tiny llama (16 KiB of header room, so `meta` edits in place).
  static func reserved(in folder: String) throws -> String {
    let path = "\(folder)/m.gguf"
    #expect(
      try SpindleProcess.run("rewrite", "fixtures/gguf/tiny-llama.gguf", "-o", path).status == 0)
    return path
  }

  @Test func inPlaceEditOnAFullDisk() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Self.reserved(in: folder)
    let old = try Scratch.bytes(path)
    let edit = ["meta", "set", path, "general.name=full", "--in-place"]

    // No room for the journal: refused before the file is touched.
    let noJournal = try SpindleProcess.run(edit, environment: ["SPINDLE_FAULT": "write:ENOSPC@0"])
    #expect(noJournal.status == 1)
    #expect(
      noJournal.stderr.hasPrefix(
        "Error: \(path): cannot write the undo journal (pwrite failed: No space left on device);"
          + " nothing was changed [noSpace]"), "\(noJournal.stderr)")
    #expect(try Scratch.bytes(path) == old)
    #expect(try Scratch.list(folder) == ["m.gguf"])

    // The journal written, the rename to the undo record fails: the old header goes back.
    let renamed = try SpindleProcess.run(edit, environment: ["SPINDLE_FAULT": "rename:EXDEV@1"])
    #expect(renamed.status == 1)
    #expect(
      renamed.stderr.hasPrefix(
        "Error: \(path): rename failed: Invalid cross-device link (errno 18) while writing the new"
          + " header; the old header was put back, nothing was changed [io]"), "\(renamed.stderr)")
    #expect(try Scratch.bytes(path) == old)
    #expect(try Scratch.list(folder) == ["m.gguf"])

    // The disk fills during the header write and stays full: half a header, the journal
    // kept, and `restore` (with room again) gives the old bytes back.
    let torn = try SpindleProcess.run(edit, environment: ["SPINDLE_FAULT": "write:ENOSPC@50000"])
    #expect(torn.status == 1)
    #expect(
      torn.stderr.contains(
        "while writing the new header; putting the old header back failed as well"))
    #expect(
      torn.stderr.contains(
        "Run `spindle restore \(path)` (the old bytes are in \(path).spindle-journal)"))
    #expect(try Scratch.bytes(path) != old)
    #expect(try Scratch.list(folder) == ["m.gguf", "m.gguf.spindle-journal"])
    #expect(try SpindleProcess.run("restore", path).status == 0)
    #expect(try Scratch.bytes(path) == old)
    #expect(try Scratch.list(folder) == ["m.gguf"])
  }

  @Test(arguments: [("EACCES", "Permission denied"), ("EROFS", "Read-only file system")])
  func writesRefused(code: String, reason: String) throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Self.reserved(in: folder)
    let old = try Scratch.bytes(path)
    let fault = ["SPINDLE_FAULT": "open:\(code)"]
    let inPlace = try SpindleProcess.run(
      ["meta", "set", path, "general.name=x", "--in-place"], environment: fault)
    #expect(inPlace.status == 1)
    #expect(
      inPlace.stderr
        == "Error: \(path): open failed: \(reason) (read-only file or file system); nothing was"
        + " changed [readOnly]\n")
    let output = "\(folder)/out.gguf"
    let rewrite = try SpindleProcess.run(["rewrite", path, "-o", output], environment: fault)
    #expect(rewrite.status == 1)
    #expect(rewrite.stderr.contains("open failed: \(reason)"), "\(rewrite.stderr)")
    #expect(rewrite.stderr.contains("[readOnly]"))
    let convert = try SpindleProcess.run(
      ["convert", "fixtures/architectures/models/llama", "-o", output], environment: fault)
    #expect(convert.status == 1)
    #expect(convert.stderr.contains("open failed: \(reason)"), "\(convert.stderr)")
    #expect(try Scratch.bytes(path) == old)
    #expect(try Scratch.list(folder) == ["m.gguf"])
  }

  @Test func readOnlyFileIsRefusedEvenForRoot() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Self.reserved(in: folder)
    let old = try Scratch.bytes(path)
    try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
    for value in ["x", String(repeating: "y", count: 20_000)] {
      let result = try SpindleProcess.run(
        "meta", "set", path, "general.name=\(value)", "--in-place")
      #expect(result.status == 1)
      #expect(
        result.stderr
          == "Error: \(path): the file is read-only (mode 444); nothing was changed. Make it"
          + " writable (chmod u+w) to edit it [readOnly]\n")
    }
    #expect(try Scratch.bytes(path) == old)
    #expect(try Scratch.list(folder) == ["m.gguf"])
  }

  @Test(
    .enabled(if: getuid() != 0, "root ignores folder permissions (the open:EACCES hook covers it)"))
  func readOnlyFolderIsRefused() throws {
    let folder = try Scratch.folder()
    defer {
      try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder)
      Scratch.cleanUp(folder)
    }
    let input = try Scratch.copy("gguf/tiny-llama.gguf", into: folder)
    try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder)
    let result = try SpindleProcess.run("rewrite", input, "-o", "\(folder)/out.gguf")
    #expect(result.status == 1)
    #expect(result.stderr.contains("Permission denied"))
    #expect(try Scratch.list(folder) == ["tiny-llama.gguf"])
  }

  // MARK: - Symlinks and an output that is the input

  @Test func inPlaceEditsOfASymlinkEditTheTarget() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let target = try Self.reserved(in: folder)
    let old = try Scratch.bytes(target)
    let link = "\(folder)/link.gguf"
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "m.gguf")
    // Header in place: the target's bytes change, the journal and undo lie beside the link.
    let header = try SpindleProcess.run("meta", "set", link, "general.name=via-link", "--in-place")
    #expect(header.status == 0, "\(header.stderr)")
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "m.gguf")
    #expect(try Scratch.bytes(target) != old)
    #expect(try Scratch.list(folder) == ["link.gguf", "link.gguf.spindle-undo", "m.gguf"])
    #expect(try SpindleProcess.run("restore", link).status == 0)
    #expect(try Scratch.bytes(target) == old)
    // A whole-file rewrite replaces the target; the link stays a link.
    let rewrite = try SpindleProcess.run(
      "meta", "set", link, "general.name=\(String(repeating: "z", count: 20_000))", "--in-place")
    #expect(rewrite.status == 0, "\(rewrite.stderr)")
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "m.gguf")
    #expect(try Scratch.bytes(target).count > old.count)
    #expect(try Scratch.list(folder) == ["link.gguf", "m.gguf"])
  }

  @Test func outputOntoASymlinkReplacesTheLinkNotWhatItPointsTo() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let input = try Scratch.copy("gguf/tiny-llama.gguf", into: folder)
    let precious = "\(folder)/precious.txt"
    try Scratch.write(Array("keep me".utf8), to: precious)
    let link = "\(folder)/out.gguf"
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: precious)
    let result = try SpindleProcess.run("rewrite", input, "-o", link)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try Scratch.bytes(precious) == Array("keep me".utf8))
    #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == nil)
    #expect(try SpindleProcess.run("validate", link).status == 0)
  }

  @Test func outputThatIsTheInputIsRefused() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let input = try Scratch.copy("gguf/tiny-llama.gguf", into: folder)
    let old = try Scratch.bytes(input)
    let link = "\(folder)/alias.gguf"
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "tiny-llama.gguf")
    let hard = "\(folder)/hard.gguf"
    try FileManager.default.linkItem(atPath: input, toPath: hard)
    let cases: [(output: String, message: String)] = [
      (input, "Error: -o names the input; use --in-place to replace it"),
      (
        "\(folder)/./tiny-llama.gguf",
        "Error: -o \(folder)/./tiny-llama.gguf is the input \(input) under another name (same device and inode); use --in-place to replace it"
      ),
      (
        link,
        "Error: -o \(link) is the input \(input) under another name (same device and inode); use --in-place to replace it"
      ),
      (
        hard,
        "Error: -o \(hard) is the input \(input) under another name (same device and inode); use --in-place to replace it"
      ),
    ]
    for (output, message) in cases {
      for command in [
        ["rewrite", input, "-o", output], ["stamp", input, "--yarn", "4", "-o", output],
        ["meta", "set", input, "general.name=x", "-o", output],
      ] {
        let result = try SpindleProcess.run(command)
        #expect(result.status == 64, "\(command)")
        #expect(result.stderr.hasPrefix(message + "\n"), "\(command): \(result.stderr)")
      }
    }
    let model = try Scratch.copy("architectures/models/llama", into: folder)
    let shard = "\(model)/model.safetensors"
    let shardBytes = try Scratch.bytes(shard)
    let convert = try SpindleProcess.run("convert", model, "-o", shard)
    #expect(convert.status == 64)
    #expect(
      convert.stderr.hasPrefix(
        "Error: -o \(shard) would replace a file of the input folder \(model); write elsewhere\n"))
    #expect(try Scratch.bytes(shard) == shardBytes)
    #expect(try Scratch.bytes(input) == old)
  }
}
