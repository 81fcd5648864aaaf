import Formats
import Foundation
import TestSupport
import Testing

@Suite("spindle inspect")
struct InspectCommandTests {
  @Test func textShowsHeaderMetadataAndTensorTable() throws {
    let result = try SpindleProcess.run("inspect", "fixtures/gguf/tiny-llama.gguf")
    #expect(result.status == 0)
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(
      lines.first
        == "fixtures/gguf/tiny-llama.gguf: GGUF v3, little-endian, alignment 32, header 5,920 bytes, file 181,792 bytes (177.5 KiB)"
    )
    #expect(lines.contains("  llama.context_length                    UINT32    2048"))
    #expect(
      lines.contains(
        "  tokenizer.ggml.tokens                   [STRING]  [\"Ā\", \"ā\", \"Ă\", \"ă\", \"Ą\", \"ą\", … 250 more]"
      ))
    #expect(lines.contains("  blk.0.attn_q.weight       Q8_0   [64, 64]    4,352   38,944"))
    #expect(lines.last == "total: 21 tensors, 106,816 parameters (106.8K), 175,872 data bytes")
  }

  /// The JSON document parses with json-c and agrees with the library's own reading.
  @Test func jsonAgreesWithTheReader() throws {
    let result = try SpindleProcess.run("inspect", "fixtures/gguf/quantized.gguf", "--json")
    #expect(result.status == 0)
    let document = try JSONValue.parse(result.stdout)
    let gguf = try GGUFFile(path: Repository.root + "/fixtures/gguf/quantized.gguf")
    let tensors = try #require(document["tensors"]?.array)
    #expect(tensors.count == gguf.tensors.count)
    for (json, entry) in zip(tensors, gguf.tensors) {
      #expect(json["name"]?.string == entry.name)
      #expect(json["dtype"]?.string == entry.dtype.name)
      #expect(json["offset"]?.number?.int == entry.offset)
      #expect(json["bytes"]?.number?.int == entry.byteCount)
      #expect(json["shape"]?.array?.compactMap { $0.number?.int } == entry.shape)
    }
    let metadata = try #require(document["metadata"]?.array)
    #expect(metadata.map { $0["key"]?.string ?? "" } == gguf.metadata.map(\.key))
    #expect(document["totals"]?["parameters"]?.number?.int == gguf.parameterCount)
  }

  @Test func metadataFilterPrintsFullValues() throws {
    let result = try SpindleProcess.run(
      "inspect", "fixtures/gguf/tiny-llama.gguf", "--metadata", "tokenizer.ggml.merges",
      "--metadata", "llama.rope.freq_base")
    #expect(
      result.stdout
        == "tokenizer.ggml.merges ([STRING]): [\"Ġ t\",\"Ġ a\",\"h e\",\"i n\",\"t h\"]\nllama.rope.freq_base (FLOAT32): 10000.0\n"
    )
    let missing = try SpindleProcess.run(
      "inspect", "fixtures/gguf/tiny-llama.gguf", "--metadata", "llama.nope")
    #expect(missing.status == 1)
    #expect(missing.stderr.contains("no metadata key 'llama.nope'"))
  }

  @Test func tensorsFlagPrintsOnlyTheTable() throws {
    let result = try SpindleProcess.run(
      "inspect", "fixtures/safetensors/dtypes.safetensors", "--tensors")
    #expect(result.status == 0)
    #expect(result.stdout.hasPrefix("tensors (14):\n  name"))
    #expect(!result.stdout.contains("metadata"))
  }

  /// Every layout Spindle opens, with its tensor count and its `format` (the machine name).
  @Test(arguments: [
    ("fixtures/safetensors/sharded", "hf-folder", 21),
    ("fixtures/safetensors/sharded/model.safetensors.index.json", "safetensors-sharded", 21),
    ("fixtures/hf/tiny-llama", "hf-folder", 21),
    ("fixtures/gguf/split/tiny-00002-of-00003.gguf", "gguf-split", 6),
    ("fixtures/gguf/bigendian.gguf", "gguf", 3),
    ("fixtures/gguf/v2.gguf", "gguf", 2),
  ])
  func opensEveryLayout(path: String, format: String, tensors: Int) throws {
    let result = try SpindleProcess.run("inspect", path, "--json")
    #expect(result.status == 0, "\(result.stderr)")
    let document = try JSONValue.parse(result.stdout)
    #expect(document["format"]?.string == format)
    #expect(document["tensors"]?.array?.count == tensors)
  }

  @Test func readsZstdCompressedCheckpoints() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let rewrite = try SpindleProcess.run(
      "rewrite", "fixtures/gguf/tiny-llama.gguf", "-o", "\(folder)/tiny.gguf.zst")
    #expect(rewrite.status == 0)
    let plain = try SpindleProcess.run("inspect", "fixtures/gguf/tiny-llama.gguf", "--tensors")
    let compressed = try SpindleProcess.run("inspect", "\(folder)/tiny.gguf.zst", "--tensors")
    #expect(compressed.status == 0)
    let (p, c) = (plain.stdout.split(separator: "\n"), compressed.stdout.split(separator: "\n"))
    #expect(p.count == c.count)
    // Same tensors; offsets differ by the 16 KiB reserved room of the rewrite.
    #expect(p.map { $0.prefix(40) } == c.map { $0.prefix(40) })
  }

  @Test func missingFileIsALocatedError() throws {
    let result = try SpindleProcess.run("inspect", "fixtures/nope.gguf")
    #expect(result.status == 1)
    #expect(result.stderr == "Error: fixtures/nope.gguf: no such file or folder [notFound]\n")
  }
}
