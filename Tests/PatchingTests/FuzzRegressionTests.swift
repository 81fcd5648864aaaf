import Formats
import Models
import Patching
import TestSupport
import Testing

/// The inputs the fuzz targets found (fixtures/malformed/fuzz/), replayed as the targets run
/// them: a plan fails with a typed error or, applied to a copy, gives exactly the planned
/// header plus the old data, which parses again and holds the edit; a patched config parses.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
  static let metaPlanInputs =
    (try? Scratch.list(Repository.fixture("malformed/fuzz/meta-plan"))) ?? []

  /// hf-config inputs the JSON reader must refuse (the rest must patch and parse again).
  static let refusedHFConfigInputs = ["key-with-nul"]

  static let hfConfigInputs =
    ((try? Scratch.list(Repository.fixture("malformed/fuzz/hf-config"))) ?? [])
    .filter { !refusedHFConfigInputs.contains($0) }

  @Test func corpusIsThere() {
    #expect(Self.metaPlanInputs == ["gguf-without-tensors-padding-cut-at-eof"])
    #expect(Self.hfConfigInputs == ["empty-object-two-new-members"])
    #expect(
      (try? Scratch.list(Repository.fixture("malformed/fuzz/hf-config")))?.contains("key-with-nul")
        == true)
  }

  /// The input that found it: `"rope_scaling\u0000"` beside other keys. json-c keeps keys as C
  /// strings and read it as `rope_scaling`, while the text patch saw another name and added a
  /// second `rope_scaling`: the patched config kept the old scaling. A key holding a NUL is
  /// now refused before json-c sees it.
  @Test func keyWithNULIsRefused() throws {
    let text = try Scratch.bytes(Repository.fixture("malformed/fuzz/hf-config/key-with-nul"))
    var refusal: FormatError?
    do {
      _ = try JSONValue.parse(String(decoding: text, as: UTF8.self), path: "config.json")
    } catch {
      refusal = error
    }
    let error = try #require(refusal)
    #expect(error.kind == .invalidJSON)
    #expect(error.offset == 20)
    #expect(
      error.message
        == "the key \"rope_scaling\\u0000\" holds a NUL character (\\u0000), which JSON readers"
        + " that keep keys as C strings cut short")
    #expect(throws: PatchError.self) { try ConfigTextPatch(text: text, path: "config.json") }
  }

  /// The members the hf-config target sets through ``ConfigTextPatch``.
  static let patchMembers: [(key: String, value: JSONValue)] = [
    ("max_position_embeddings", .integer(8192)),
    (
      "rope_scaling",
      .object(
        JSONObject([
          ("rope_type", .string("yarn")), ("factor", .integer(4)),
          ("original_max_position_embeddings", .integer(2048)),
        ]))
    ),
  ]

  /// hf-config inputs: a config.json; the patched text parses and holds the members set.
  @Test(arguments: hfConfigInputs)
  func configPatchParsesAgain(_ name: String) throws {
    let text = try Scratch.bytes(Repository.fixture("malformed/fuzz/hf-config/\(name)"))
    var patch = try ConfigTextPatch(text: text, path: "config.json")
    for (key, value) in Self.patchMembers { patch.set(key, value) }
    let edited = try #require(JSONValue.parse(String(decoding: patch.edited, as: UTF8.self)).object)
    #expect(edited.keys.sorted() == ["max_position_embeddings", "rope_scaling"])
    #expect(edited["max_position_embeddings"] == .integer(8192))
    #expect(edited["rope_scaling"]?["rope_type"] == .string("yarn"))
  }

  /// The input that found it: two members added to an object without any were not separated
  /// by a comma.
  @Test func twoMembersIntoAnEmptyObject() throws {
    let text = try Scratch.bytes(
      Repository.fixture("malformed/fuzz/hf-config/empty-object-two-new-members"))
    #expect(text == Array("{\t\t\t\t\n}\n".utf8))
    var patch = try ConfigTextPatch(text: text, path: "config.json")
    for (key, value) in Self.patchMembers { patch.set(key, value) }
    #expect(
      String(decoding: patch.edited, as: UTF8.self)
        == "{\t\t\t\t\n\"max_position_embeddings\": 8192,\"rope_scaling\": {\"rope_type\": \"yarn\","
        + "\"factor\": 4,\"original_max_position_embeddings\": 2048}}\n")
  }

  /// meta-plan inputs: byte 0 picks the edits (bit 0: general.name), byte 1 the reserve.
  @Test(arguments: metaPlanInputs)
  func metaPlanAppliesAndRevalidates(_ name: String) throws {
    let input = try Scratch.bytes(Repository.fixture("malformed/fuzz/meta-plan/\(name)"))
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let bytes = Array(input.dropFirst(2))
    let path = "\(folder)/model.gguf"
    try Scratch.write(bytes, to: path)
    let reserve = [0, 64, 16_384][Int(input[1] % 3)]
    let plan = try HeaderPlan(
      path: path, edits: [.set(key: "general.name", value: "fuzzed", type: .string)],
      reserve: reserve)
    let oldData = Array(bytes[plan.dataRange])
    _ = try PatchEngine.execute(plan)
    #expect(try Scratch.bytes(path) == plan.newHeader + oldData)
    let after = try GGUFFile(path: path)
    #expect(after.metadata("general.name") == .string("fuzzed"))
    let before = try GGUFFile(bytes: bytes, path: path)
    #expect(after.tensors.map(\.name) == before.tensors.map(\.name))
  }

  /// The file that found it: no tensors, a 2,265-byte header whose padding to 32 is cut off;
  /// the plan's header is the bytes that exist and there is no data.
  @Test func ggufWithoutTensorsPaddingCutAtEOF() throws {
    let input = try Scratch.bytes(
      Repository.fixture("malformed/fuzz/meta-plan/gguf-without-tensors-padding-cut-at-eof"))
    let file = try GGUFFile(bytes: Array(input.dropFirst(2)), path: "cut.gguf")
    #expect(file.tensors.isEmpty)
    #expect(file.file.count == 2265 && file.headerEnd == 2265 && file.dataOffset == 2272)
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = "\(folder)/cut.gguf"
    try Scratch.write(Array(input.dropFirst(2)), to: path)
    let plan = try HeaderPlan(
      path: path, edits: [.set(key: "general.name", value: "fuzzed", type: .string)], reserve: 0)
    #expect(plan.oldHeader.count == 2265)
    #expect(plan.dataRange == 2265..<2265)
  }
}
