import Foundation
import PropertyBased
import TestSupport
import Testing

@testable import Formats

/// Random damage to real safetensors headers, parsed in memory: a located error or a file
/// whose tensors lie inside it; never a trap.
@Suite("Safetensors header mutations")
struct SafetensorsMutationTests {
  static let sources: [[UInt8]] = [
    "safetensors/dtypes.safetensors", "safetensors/dtypes-exotic.safetensors",
    "safetensors/sharded/model-00001-of-00003.safetensors",
  ].compactMap { try? Scratch.bytes(Repository.fixture($0)) }

  @Test func damagedHeadersFailCleanly() async {
    #expect(SafetensorsMutationTests.sources.count == 3)
    await propertyCheck(count: 600, input: Gen.uint64()) { seed in
      var rng = SplitMix(seed: seed)
      let sources = SafetensorsMutationTests.sources
      var bytes = sources[Int(rng.next() % UInt64(sources.count))]
      let header = min(
        bytes.count, 8 + Int(bytes.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }))
      let interesting = Array("{}[]\":,0123456789-eE. \u{0}".utf8) + [0x80, 0xFF]
      rng.damage(&bytes, inFirst: header, maximumEdits: 4, interesting: interesting)
      do {
        let file = try SafetensorsFile(bytes: bytes, path: "mutated.safetensors")
        for tensor in file.tensors {
          #expect(tensor.offset >= file.dataStart)
          #expect(tensor.offset + tensor.byteCount <= bytes.count)
        }
      } catch let error as FormatError {
        #expect(error.path == "mutated.safetensors")
      } catch {
        Issue.record("not a FormatError: \(error)")
      }
    }
  }
}
