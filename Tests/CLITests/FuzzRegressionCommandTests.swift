import Foundation
import TestSupport
import Testing

/// What the fuzz targets found, through the command line (fixtures/malformed/fuzz/).
@Suite("Fuzz regressions, command line")
struct FuzzRegressionCommandTests {
  /// A GGUF without tensors whose header ends unaligned at the end of the file: `meta` stopped
  /// on a precondition (the plan read up to the data offset, past the end); now it rewrites.
  @Test func metaOnTensorlessGGUFWithPaddingCutAtEOF() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let input = try Scratch.bytes(
      Repository.fixture("malformed/fuzz/meta-plan/gguf-without-tensors-padding-cut-at-eof"))
    let path = "\(folder)/cut.gguf"
    try Scratch.write(Array(input.dropFirst(2)), to: path)
    let meta = try SpindleProcess.run(
      "meta", "set", path, "general.name=fuzzed", "--type", "string", "--in-place")
    #expect(meta.status == 0, "\(meta.stderr)")
    #expect(
      meta.stdout
        == "  set    general.name: STRING \"Gptneox\" → STRING \"fuzzed\"\n"
        + "\(path): full rewrite with new header room (the new header is 1 bytes shorter and the"
        + " file has no spindle.reserved key to absorb them): 2,265 → 18,688 bytes, 16,384 bytes"
        + " of header room reserved; no undo (a rewrite replaces the file whole; `spindle restore`"
        + " cannot revert it)\n")
    let validate = try SpindleProcess.run("validate", path)
    #expect(validate.status == 0)
    #expect(validate.stdout == "\(path): OK (GGUF, 0 tensors, 21 metadata entries)\n")
  }

  /// A config.json without members: `stamp` added two keys with no comma between and then
  /// refused its own output as invalid JSON; now it writes them.
  @Test func stampIntoAConfigWithoutMembers() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let model = "\(folder)/model"
    try FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: true)
    try Scratch.write(Array("{}\n".utf8), to: "\(model)/config.json")
    let output = "\(folder)/out"
    let stamp = try SpindleProcess.run(
      "stamp", model, "--rope", "yarn", "--factor", "4", "--original-context", "2048", "-o", output)
    #expect(stamp.status == 0, "\(stamp.stderr)")
    #expect(
      stamp.stdout
        == "\(output): none (context ?) → yarn ×4 (original 2048 → 8192), 2 keys changed\n")
    #expect(
      String(decoding: try Scratch.bytes("\(output)/config.json"), as: UTF8.self)
        == "{\"max_position_embeddings\": 8192,\"rope_scaling\": {\"rope_type\": \"yarn\",\"factor\": 4.0,"
        + "\"original_max_position_embeddings\": 2048}}\n")
  }
}
