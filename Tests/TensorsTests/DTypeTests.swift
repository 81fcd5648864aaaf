import Testing

@testable import Tensors

@Suite("DType")
struct DTypeTests {
  /// ggml ids, block sizes and bytes per block, from ggml's type_traits (formats.md §2.4).
  @Test(arguments: [
    (0, "F32", 1, 4), (1, "F16", 1, 2), (2, "Q4_0", 32, 18), (3, "Q4_1", 32, 20),
    (6, "Q5_0", 32, 22), (7, "Q5_1", 32, 24), (8, "Q8_0", 32, 34), (9, "Q8_1", 32, 36),
    (10, "Q2_K", 256, 84), (11, "Q3_K", 256, 110), (12, "Q4_K", 256, 144), (13, "Q5_K", 256, 176),
    (14, "Q6_K", 256, 210), (15, "Q8_K", 256, 292), (16, "IQ2_XXS", 256, 66),
    (17, "IQ2_XS", 256, 74), (18, "IQ3_XXS", 256, 98), (19, "IQ1_S", 256, 50),
    (20, "IQ4_NL", 32, 18), (21, "IQ3_S", 256, 110), (22, "IQ2_S", 256, 82),
    (23, "IQ4_XS", 256, 136), (24, "I8", 1, 1), (25, "I16", 1, 2), (26, "I32", 1, 4),
    (27, "I64", 1, 8), (28, "F64", 1, 8), (29, "IQ1_M", 256, 56), (30, "BF16", 1, 2),
    (34, "TQ1_0", 256, 54), (35, "TQ2_0", 256, 66), (39, "MXFP4", 32, 17), (40, "NVFP4", 64, 36),
    (41, "Q1_0", 128, 18), (42, "Q2_0", 64, 18),
  ])
  func ggmlTypes(id: Int, name: String, blockSize: Int, blockBytes: Int) throws {
    let dtype = try #require(DType(ggmlType: id))
    #expect(dtype.name == name)
    #expect(dtype.ggmlType == id)
    #expect(dtype.blockSize == blockSize)
    #expect(dtype.blockBytes == blockBytes)
    #expect(DType(name: name.lowercased()) == dtype)
  }

  @Test(arguments: [4, 5, 31, 32, 33, 36, 37, 38, 43, 99, -1])
  func removedAndUnknownGGMLTypes(id: Int) {
    #expect(DType(ggmlType: id) == nil)
  }

  @Test func everyGGMLIdBelowCountIsKnownOrRemoved() {
    for id in 0..<DType.ggmlTypeCount {
      #expect((DType(ggmlType: id) != nil) != DType.removedGGMLTypes.contains(id), "id \(id)")
    }
  }

  /// The safetensors crate's `Dtype` enum order and bit sizes.
  @Test func safetensorsOrderAndBits() {
    let names = [
      "BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0",
      "F8_E4M3FNUZ", "F8_E5M2FNUZ", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64",
      "F64", "I64", "U64",
    ]
    let bits: [Double] = [
      8, 4, 6, 6, 8, 8, 8, 8, 8, 8, 8, 16, 16, 16, 16, 32, 32, 32, 64, 64, 64, 64,
    ]
    for (rank, name) in names.enumerated() {
      let dtype = DType(safetensorsName: name)
      #expect(dtype?.safetensorsRank == rank, "\(name)")
      #expect(dtype?.bitsPerElement == bits[rank], "\(name)")
    }
    #expect(DType(safetensorsName: "Q4_0") == nil)
    #expect(DType(safetensorsName: "f32") == nil)
  }

  /// Block scales lie inside their block, do not overlap, and exist exactly for the types
  /// whose values are linear in them (ggml-common.h); Q8_1's `s` sits right after `d`.
  @Test func blockScaleOffsets() throws {
    let linear: Set<DType> = [
      .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K,
      .tq1_0, .tq2_0, .q1_0, .q2_0,
    ]
    for dtype in DType.allCases {
      guard let scales = dtype.blockScaleOffsets else {
        #expect(!linear.contains(dtype), "\(dtype)")
        continue
      }
      #expect(linear.contains(dtype), "\(dtype)")
      let spans = scales.half.map { $0..<($0 + 2) } + scales.single.map { $0..<($0 + 4) }
      for (index, span) in spans.enumerated() {
        #expect(span.lowerBound >= 0 && span.upperBound <= dtype.blockBytes, "\(dtype)")
        for other in spans[(index + 1)...] { #expect(!span.overlaps(other), "\(dtype)") }
      }
    }
    let q8One = try #require(DType.q8_1.blockScaleOffsets)
    #expect(q8One.half == [0, 2] && q8One.single.isEmpty)
    #expect(DType.q8_K.blockScaleOffsets?.single == [0])
  }

  @Test func byteCounts() {
    #expect(DType.q4_0.byteCount(elements: 64) == 36)
    #expect(DType.q4_0.byteCount(elements: 33) == nil)
    #expect(DType.f4.byteCount(elements: 3) == nil)
    #expect(DType.f6E2M3.byteCount(elements: 8) == 6)
    #expect(DType.f32.byteCount(elements: 0) == 0)
    #expect(DType.f64.byteCount(elements: Int.max / 4) == nil)
  }
}
