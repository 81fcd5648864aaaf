import Conversion
import Testing

/// The split limits of `convert --split-max-*` (the written set: CLITests' ConvertSplitCommandTests).
@Suite("conversion split limits")
struct ConversionSplitTests {
  /// Sizes parse as both peers write them: llama.cpp's `split_str_to_n_bytes` (`2G`, powers of
  /// 1000) and transformers' `convert_file_size_to_int` (`5GB`, `2GiB`), any case.
  @Test(
    arguments: [
      ("2G", 2_000_000_000), ("20K", 20_000), ("5M", 5_000_000), ("123", 123),
      ("2g", 2_000_000_000),
      ("5GB", 5_000_000_000), ("500mb", 500_000_000), ("2GiB", 2_147_483_648), ("1KiB", 1024),
      ("1.5GB", 1_500_000_000), ("7B", 7), ("1T", 1_000_000_000_000),
      ("K", nil), ("-5", nil), ("", nil), ("0", nil), ("1.5", nil), ("5XB", nil), (".5G", nil),
      ("1e3", nil), ("99999999999T", nil), ("0.0001K", nil),
    ] as [(String, Int?)])
  func sizeSuffixes(_ text: String, _ bytes: Int?) {
    #expect(DataSize(text)?.byteCount == bytes)
  }

  /// Shard names follow gguf-py's `{stem}-{:05d}-of-{:05d}.gguf`, the stem the output name
  /// without `.gguf`; a tensor bigger than the limit gets its own shard.
  @Test func shardNamesAndBoundaries() throws {
    let plan = try ConversionPlan(
      folder: ConversionFixtures.folder("llama"), options: .init(type: .f32))
    let bySize = plan.shards(of: "out/m.gguf", limits: .init(maxBytes: 20_000))
    #expect(bySize.count == 12)
    #expect(bySize.first?.path == "out/m-00001-of-00012.gguf")
    #expect(bySize.map(\.tensors.count) == [1, 1, 3, 3, 1, 1, 3, 3, 1, 1, 1, 2])
    let byCount = plan.shards(of: "m", limits: .init(maxTensors: 5))
    #expect(byCount.map(\.path).last == "m-00005-of-00005.gguf")
    #expect(byCount.map(\.tensors) == [0..<5, 5..<10, 10..<15, 15..<20, 20..<21])
    #expect(plan.shards(of: "m.gguf", limits: .init()).map(\.path) == ["m.gguf"])
  }
}
