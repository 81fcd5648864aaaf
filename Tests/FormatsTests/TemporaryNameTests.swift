import Formats
import Testing

/// Spindle's temporary names are recognised (final name and pid), and nothing else is.
@Suite("Temporary names")
struct TemporaryNameTests {
  @Test(arguments: [
    (".m.gguf.spindle-123-1.tmp", "m.gguf", Int32(123)),
    (".hf.spindle-77.tmp", "hf", 77),
    (".out.gguf.zst.spindle-9-plain.tmp", "out.gguf.zst", 9),
    (".a.spindle-b.gguf.spindle-5-2.tmp", "a.spindle-b.gguf", 5),
  ])
  func recognised(entry: String, target: String, pid: Int32) throws {
    let parsed = try #require(TemporaryName.parse(entry))
    #expect(parsed.target == target)
    #expect(parsed.pid == pid)
  }

  @Test(arguments: [
    "m.gguf", ".m.gguf.tmp", "m.gguf.spindle-1-1.tmp", ".m.gguf.spindle-.tmp",
    ".m.gguf.spindle-12x.tmp", ".spindle-1.tmp", ".m.gguf.spindle-99999999999-1.tmp",
    "m.gguf.spindle-journal.tmp",
  ])
  func othersAreNot(entry: String) {
    #expect(TemporaryName.parse(entry) == nil)
  }

  @Test func namesMadeAreRecognised() throws {
    let file = try #require(TemporaryName.parse(TemporaryName.file(for: "x.gguf", count: 3)))
    #expect(file.target == "x.gguf")
    let folder = try #require(TemporaryName.parse(TemporaryName.folder(for: "model")))
    #expect(folder.target == "model")
    #expect(file.pid == folder.pid)
  }
}
