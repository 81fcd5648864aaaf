import Formats
import Tensors
import TestSupport
import Testing

/// ``DType`` against ggml's own `type_traits`, as `fixtures/ggml-types/print_types.c` printed
/// them from the peer llama.cpp (`ggml_type_name`, `ggml_blck_size`, `ggml_type_size`).
@Suite("ggml type table")
struct GGMLTypeTableTests {
  struct Row: Sendable, CustomTestStringConvertible {
    var id: Int
    var name: String
    var blockSize: Int
    var typeSize: Int
    var testDescription: String { "\(id) \(name)" }
  }

  static let rows: [Row] = {
    let path = Repository.fixture("ggml-types/ggml-types.json")
    guard let types = Repository.json(at: path)?["types"]?.array else { return [] }
    return types.compactMap { type in
      guard let id = type["id"]?.number?.int, let name = type["name"]?.string,
        let blockSize = type["block_size"]?.number?.int,
        let typeSize = type["type_size"]?.number?.int
      else { return nil }
      return Row(id: id, name: name, blockSize: blockSize, typeSize: typeSize)
    }
  }()

  /// Every id below `GGML_TYPE_COUNT`, in order, and nothing else.
  @Test func everyIdIsListed() {
    #expect(GGMLTypeTableTests.rows.map(\.id) == Array(0..<DType.ggmlTypeCount))
  }

  /// Live types match name, block size and bytes per block; removed ids (block size 0 in
  /// ggml) are unknown to ``DType`` and listed as removed, as gguf.cpp rejects them.
  @Test(arguments: GGMLTypeTableTests.rows)
  func matchesGGML(row: Row) throws {
    if row.blockSize == 0 {
      #expect(row.typeSize == 0)
      #expect(DType(ggmlType: row.id) == nil)
      #expect(DType.removedGGMLTypes.contains(row.id))
      return
    }
    let dtype = try #require(DType(ggmlType: row.id))
    #expect(!DType.removedGGMLTypes.contains(row.id))
    #expect(dtype.ggmlType == row.id)
    #expect(dtype.name.uppercased() == row.name.uppercased())
    #expect(dtype.blockSize == row.blockSize)
    #expect(dtype.blockBytes == row.typeSize)
  }

  /// ggml's `block_q8_1` is `ggml_half d, s; int8_t qs[32]`: 36 bytes (gguf-py's
  /// `GGML_QUANT_SIZES` says 40, which is wrong).
  @Test func q8OneBlockIsThirtySixBytes() {
    #expect(DType.q8_1.blockBytes == 36)
    #expect(DType.q8_1.byteCount(elements: 64) == 72)
  }
}
