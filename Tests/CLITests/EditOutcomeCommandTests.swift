import Formats
import Foundation
import TestSupport
import Testing

/// What `stamp`, `tables`, `meta`, `rewrite` and `restore` say they did: `-o` always writes its
/// output (an identical copy when nothing changes), an in-place edit names the path it took
/// (header only with an undo, or a full rewrite without one) in the same words for every
/// command, `restore` names a missing file and the undo files of a folder, and `--json` prints
/// the same as one document.
@Suite("Edit outcomes")
struct EditOutcomeCommandTests {
  static let noUndo =
    "; no undo (a rewrite replaces the file whole; `spindle restore` cannot revert it)\n"

  static func size(_ path: String) throws -> Int {
    try Scratch.bytes(path).count
  }

  /// `stamp … -o OUT` and `tables … -o OUT` with nothing to change still write OUT, byte for
  /// byte the input, and say so (a file and a Hugging Face folder).
  @Test func outputIsWrittenWhenNothingChanges() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let keys = "\(folder)/keys.gguf"
    #expect(
      try SpindleProcess.run(
        "stamp", Repository.fixture("gguf/tiny-llama.gguf"), "--yarn", "4", "-o", keys
      ).status == 0)
    let again = "\(folder)/again.gguf"
    let stamp = try SpindleProcess.run("stamp", keys, "--yarn", "4", "-o", again)
    #expect(stamp.status == 0, "\(stamp.stderr)")
    #expect(
      stamp.stdout
        == "\(keys): already has yarn ×4 (original 2048 → 8192); nothing to change: wrote an"
        + " identical copy to \(again)\n")
    #expect(try Scratch.bytes(again) == Scratch.bytes(keys))

    let unbaked = "\(folder)/unbaked.gguf"
    let remove = try SpindleProcess.run("tables", keys, "--remove", "-o", unbaked)
    #expect(remove.status == 0, "\(remove.stderr)")
    #expect(
      remove.stdout
        == "\(keys): no baked tables; nothing to change: wrote an identical copy to \(unbaked)\n")
    #expect(try Scratch.bytes(unbaked) == Scratch.bytes(keys))

    let baked = "\(folder)/baked.gguf"
    #expect(try SpindleProcess.run("tables", keys, "-o", baked).status == 0)
    let rebaked = "\(folder)/rebaked.gguf"
    let tables = try SpindleProcess.run("tables", baked, "-o", rebaked)
    #expect(tables.status == 0, "\(tables.stderr)")
    #expect(
      tables.stdout
        == "\(baked): already has yarn ×4 (original 2048 → 8192) as tables; nothing to change:"
        + " wrote an identical copy to \(rebaked)\n")
    #expect(try Scratch.bytes(rebaked) == Scratch.bytes(baked))

    // A folder: the copy holds every file unchanged.
    let hf = "\(folder)/yarn"
    #expect(
      try SpindleProcess.run(
        "stamp", Repository.fixture("hf/tiny-llama"), "--yarn", "2", "-o", hf
      ).status == 0)
    let hfCopy = "\(folder)/yarn-copy"
    let folderCopy = try SpindleProcess.run("stamp", hf, "--yarn", "2", "-o", hfCopy)
    #expect(folderCopy.status == 0, "\(folderCopy.stderr)")
    #expect(
      folderCopy.stdout.hasSuffix("nothing to change: wrote an identical copy to \(hfCopy)\n"))
    #expect(try !Scratch.list(hf).isEmpty)
    #expect(try Scratch.list(hfCopy) == Scratch.list(hf))
    for name in try Scratch.list(hf) {
      #expect(try Scratch.bytes("\(hfCopy)/\(name)") == Scratch.bytes("\(hf)/\(name)"))
    }

    // --in-place and --dry-run still write nothing.
    let inPlace = try SpindleProcess.run("stamp", keys, "--yarn", "4", "--in-place")
    #expect(
      inPlace.stdout == "\(keys): already has yarn ×4 (original 2048 → 8192); nothing to change\n")
    #expect(try Scratch.list(folder).filter { $0.hasPrefix("keys.gguf.") } == [])

    // --json: the copy as a document.
    let json = "\(folder)/json.gguf"
    let document = try SpindleProcess.run("stamp", keys, "--yarn", "4", "-o", json, "--json")
    #expect(document.status == 0, "\(document.stderr)")
    let parsed = try JSONValue.parse(document.stdout)
    #expect(parsed["command"]?.string == "stamp")
    #expect(parsed["path"]?.string == keys)
    #expect(parsed["output"]?.string == json)
    #expect(parsed["action"]?.string == "copied")
    #expect(parsed["in_place"]?.bool == false)
    #expect(parsed["changes"]?.array?.isEmpty == true)
    #expect(parsed["bytes_after"]?.number?.int == (try Self.size(keys)))
    #expect(parsed["undo"] == .null)
    #expect(try Scratch.bytes(json) == Scratch.bytes(keys))
  }

  /// In place, `stamp`, `meta` and `tables` say which path they took: a full rewrite with new
  /// header room (no undo) when the header does not fit, header only (with the undo's name)
  /// when it does.
  @Test func inPlaceEditsNameTheirPath() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Scratch.copy("gguf/tiny-llama.gguf", into: folder)
    let undo = "\(path).spindle-undo"

    let first = try SpindleProcess.run("stamp", path, "--yarn", "4", "--in-place")
    #expect(first.status == 0, "\(first.stderr)")
    #expect(
      first.stdout
        == "\(path): none (context 2048) → yarn ×4 (original 2048 → 8192), 4 keys changed\n"
        + "\(path): full rewrite with new header room (the new header needs 6041 bytes, the file"
        + " has 5920 before its data): 181,792 → 198,368 bytes, 16,415 bytes of header room"
        + " reserved" + Self.noUndo
        + "KV cache (llama.cpp, f16): 0.50 MiB at 2048 tokens → 2.00 MiB at 8192\n")
    #expect(try Self.size(path) == 198_368)
    #expect(!FileManager.default.fileExists(atPath: undo))

    let second = try SpindleProcess.run(
      "stamp", path, "--rope", "linear", "--factor", "2", "--replace", "--in-place")
    #expect(second.status == 0, "\(second.stderr)")
    #expect(
      second.stdout.hasSuffix(
        "\(path): header only, in place (22,496 header bytes written, data untouched, 16,471"
          + " bytes of header room left); undo: spindle restore \(path) (\(undo))\n"
          + "KV cache (llama.cpp, f16): 2.00 MiB at 8192 tokens → 1.00 MiB at 4096\n"))
    #expect(FileManager.default.fileExists(atPath: undo))

    let meta = try SpindleProcess.run("meta", "set", path, "general.name=tiny", "--in-place")
    #expect(meta.status == 0, "\(meta.stderr)")
    #expect(
      meta.stdout
        == "  set    general.name: STRING \"tiny-llama\" → STRING \"tiny\"\n"
        + "\(path): header only, in place (22,496 header bytes written, data untouched, 16,477"
        + " bytes of header room left); undo: spindle restore \(path) (\(undo))\n")

    let json = try SpindleProcess.run(
      "meta", "set", path, "general.name=tiny2", "--in-place", "--json")
    #expect(json.status == 0, "\(json.stderr)")
    let document = try JSONValue.parse(json.stdout)
    #expect(document["command"]?.string == "meta")
    #expect(document["action"]?.string == "header-only")
    #expect(document["in_place"]?.bool == true)
    #expect(document["undo"]?.string == undo)
    #expect(
      document["changes"]?.array?.compactMap(\.string) == [
        "set general.name: STRING \"tiny\" → STRING \"tiny2\""
      ])

    // Tables add a tensor: the whole file is written and the old undo goes.
    let tables = try SpindleProcess.run("tables", path, "--in-place")
    #expect(tables.status == 0, "\(tables.stderr)")
    let how = try #require(tables.stdout.split(separator: "\n").last)
    #expect(
      how.hasPrefix(
        "\(path): full rewrite with new header room (tensors change, so the whole file is"
          + " written): 198,368 → "), "\(how)")
    #expect(how.hasSuffix(Self.noUndo.dropLast()))
    #expect(!FileManager.default.fileExists(atPath: undo))
    let restore = try SpindleProcess.run("restore", path)
    #expect(restore.status == 1)
    #expect(restore.stderr.contains("no interrupted or previous in-place edit to undo"))

    // A Hugging Face folder: config.json is replaced whole, with no undo.
    let hf = try Scratch.copy("hf/tiny-llama", into: folder)
    let folderEdit = try SpindleProcess.run("stamp", hf, "--yarn", "2", "--in-place")
    #expect(folderEdit.status == 0, "\(folderEdit.stderr)")
    #expect(
      folderEdit.stdout
        == "\(hf): none (context 2048) → yarn ×2 (original 2048 → 4096), 2 keys changed\n"
        + "\(hf): full rewrite (config.json, 631 → 721 bytes, is replaced whole through a"
        + " temporary file, fsync and rename)" + Self.noUndo
        + "KV cache (llama.cpp, f16): 0.50 MiB at 2048 tokens → 1.00 MiB at 4096\n")
  }

  /// `restore` names a missing file as missing, and on a folder names the edited file and its
  /// undo record; `--json` reports the restore.
  @Test func restoreNamesWhatItNeeds() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let missing = "\(folder)/nothere.gguf"
    let gone = try SpindleProcess.run("restore", missing)
    #expect(gone.status == 1)
    #expect(
      gone.stderr == "Error: \(missing): no such file or folder; nothing to restore [notFound]\n")

    let hf = try Scratch.copy("hf/tiny-llama", into: folder)
    let empty = try SpindleProcess.run("restore", hf)
    #expect(empty.status == 1)
    #expect(
      empty.stderr
        == "Error: \(hf): this is a folder, and it holds no undo record (no FILE.spindle-undo or"
        + " FILE.spindle-journal): in-place edits of a folder replace config.json whole and"
        + " cannot be undone; restore takes an edited file [nothingToRestore]\n")

    // The first edit makes header room (a rewrite), the second fits and leaves an undo.
    let weights = "\(hf)/model.safetensors"
    #expect(try SpindleProcess.run("meta", "set", weights, "note=a", "--in-place").status == 0)
    let roomy = try Scratch.bytes(weights)
    #expect(try SpindleProcess.run("meta", "set", weights, "note=b", "--in-place").status == 0)
    let named = try SpindleProcess.run("restore", hf)
    #expect(named.status == 1)
    #expect(
      named.stderr
        == "Error: \(hf): this is a folder; restore takes the edited file: spindle restore"
        + " \(weights) (undo record \(weights).spindle-undo) [nothingToRestore]\n")
    let restored = try SpindleProcess.run("restore", weights, "--json")
    #expect(restored.status == 0, "\(restored.stderr)")
    let document = try JSONValue.parse(restored.stdout)
    #expect(document["command"]?.string == "restore")
    #expect(document["action"]?.string == "restored")
    #expect(document["output"]?.string == weights)
    #expect(document["undo"] == .null)
    #expect(
      document["changes"]?.array?.compactMap(\.string) == [
        "last in-place edit undone, \(try Self.headerLength(roomy)) header bytes restored"
      ])
    #expect(try Scratch.bytes(weights) == roomy)
  }

  /// safetensors' header span: 8 length bytes and the JSON.
  static func headerLength(_ bytes: [UInt8]) throws -> Int {
    8 + (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
  }

  /// `rewrite --json` and `--dry-run --json`.
  @Test func rewriteJSON() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let input = try Scratch.copy("gguf/tiny-llama.gguf", into: folder)
    let output = "\(folder)/copy.gguf"
    let dry = try SpindleProcess.run("rewrite", input, "-o", output, "--dry-run", "--json")
    #expect(dry.status == 0, "\(dry.stderr)")
    let planned = try JSONValue.parse(dry.stdout)
    #expect(planned["action"]?.string == "dry-run")
    #expect(planned["output"]?.string == output)
    #expect(!FileManager.default.fileExists(atPath: output))
    let result = try SpindleProcess.run(
      "rewrite", input, "-o", output, "--reserve", "4096", "--json")
    #expect(result.status == 0, "\(result.stderr)")
    let written = try JSONValue.parse(result.stdout)
    #expect(written["command"]?.string == "rewrite")
    #expect(written["action"]?.string == "rewritten")
    #expect(written["in_place"]?.bool == false)
    #expect(written["bytes_before"]?.number?.int == 181_792)
    #expect(written["bytes_after"]?.number?.int == (try Self.size(output)))
    #expect((written["header_room"]?.number?.int ?? 0) >= 4096)
  }
}

extension EditOutcomeCommandTests {
  /// The field names of the first table under `## Edit commands` in docs/json.md.
  static func documentedFields() throws -> [String] {
    let text = try String(contentsOfFile: Repository.root + "/docs/json.md", encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard let start = lines.firstIndex(of: "## Edit commands") else { return [] }
    var fields: [String] = []
    for line in lines[(start + 1)...] {
      if line.hasPrefix("## ") { break }
      if line.hasPrefix("| `") {
        fields.append(String(line.dropFirst(3).prefix { $0 != "`" }))
      } else if !fields.isEmpty && !line.hasPrefix("|") {
        break
      }
    }
    return fields
  }

  /// Every edit command's document has exactly the fields docs/json.md lists, in that order.
  @Test(arguments: [
    ["stamp", "fixtures/gguf/tiny-llama.gguf", "--yarn", "4", "--dry-run", "--json"],
    ["tables", "fixtures/architectures/gguf/phi3-longrope.gguf", "--dry-run", "--json"],
    ["meta", "set", "fixtures/gguf/tiny-llama.gguf", "general.name=x", "--dry-run", "--json"],
    ["rewrite", "fixtures/gguf/tiny-llama.gguf", "--in-place", "--dry-run", "--json"],
  ])
  func documentsHaveTheDocumentedFields(arguments: [String]) throws {
    let fields = try Self.documentedFields()
    #expect(fields.count == 12)
    let result = try SpindleProcess.run(arguments)
    #expect(result.status == 0, "\(result.stderr)")
    let document = try JSONValue.parse(result.stdout)
    #expect(document.object?.keys == fields)
    #expect(document["action"]?.string == "dry-run")
    #expect(document["command"]?.string == arguments[0])
  }
}
