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
}
