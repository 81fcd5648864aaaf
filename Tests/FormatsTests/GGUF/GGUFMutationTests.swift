import Foundation
import PropertyBased
import TestSupport
import Testing

@testable import Formats

/// Random damage to real headers, parsed in memory: the reader either reports a located
/// error or returns a file whose every tensor lies inside it and whose values render; it
/// never traps, hangs or allocates from an unchecked count.
@Suite("GGUF header mutations")
struct GGUFMutationTests {
  static let sources: [[UInt8]] = [
    "gguf/tiny-llama.gguf", "gguf/quantized.gguf", "gguf/bigendian.gguf",
    "gguf/nested-array.gguf", "gguf-random/files/s11-DATA_SUCCESS.gguf",
    "gguf-random/files/s14-KV_RANDOM_KV.gguf",
  ].compactMap { try? Scratch.bytes(Repository.fixture($0)) }

  @Test func damagedHeadersFailCleanly() async {
    #expect(GGUFMutationTests.sources.count == 6)
    await propertyCheck(count: 600, input: Gen.uint64()) { seed in
      var rng = SplitMix(seed: seed)
      let sources = GGUFMutationTests.sources
      var bytes = sources[Int(rng.next() % UInt64(sources.count))]
      // Damage the header (where every count and length lives), 1 to 6 bytes at a time.
      let header = (try? GGUFFile(bytes: bytes, path: "source"))?.headerEnd ?? bytes.count
      let interesting: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0xC0, 0xFF]
      rng.damage(&bytes, inFirst: header, maximumEdits: 6, interesting: interesting)
      do {
        let gguf = try GGUFFile(bytes: bytes, path: "mutated.gguf")
        for tensor in gguf.tensors {
          #expect(tensor.offset >= gguf.dataOffset)
          #expect(tensor.offset + tensor.byteCount <= bytes.count)
        }
        for entry in gguf.metadata {
          _ = entry.value.summary()
          _ = entry.value.jsonValue.serialized(.compact)
        }
        for warning in gguf.warnings { #expect(warning.offset != nil) }
      } catch let error as FormatError {
        #expect(error.path == "mutated.gguf")
        #expect(error.offset != nil || error.kind == .badMagic, "\(error)")
      } catch {
        Issue.record("not a FormatError: \(error)")
      }
    }
  }
}
