import Conversion
import Formats
import Foundation
import Quantization
import TestSupport
import Testing

/// `convert --quant RECIPE`: the per-tensor types and `general.file_type` that `llama-quantize`
/// wrote for the same model (fixtures/quantization/recipes-architectures.json, recorded by
/// `record_recipes.sh` from llama.cpp's F32 conversions of the architecture fixtures), in one
/// pass from the transformers folder.
@Suite("Conversion recipes")
struct ConversionRecipeTests {
  struct Recorded: Decodable {
    struct Outcome: Decodable {
      var fileType: UInt32
      var types: [String: String]
    }
    var recipes: [String: Outcome]
  }

  static let recorded = Result {
    try JSONDecoder().decode(
      [String: Recorded].self,
      from: Data(
        contentsOf: URL(
          fileURLWithPath: Repository.fixture("quantization/recipes-architectures.json"))))
  }

  static let cases: [(String, QuantizationRecipe)] = ConversionFixtures.models.flatMap { name in
    QuantizationRecipe.allCases.map { (name, $0) }
  }

  @Test("every tensor gets llama-quantize's type", arguments: cases)
  func typesAreLlamaQuantizes(_ name: String, _ recipe: QuantizationRecipe) throws {
    let outcome = try #require(
      try Self.recorded.get()[name]?.recipes[recipe.name], "\(name) \(recipe.name)")
    let plan = try ConversionPlan(
      folder: ConversionFixtures.folder(name),
      options: .init(preTokenizer: ConversionFixtures.preTokenizer(name), recipe: recipe))
    #expect(plan.fileType == outcome.fileType)
    let ours = Dictionary(uniqueKeysWithValues: plan.tensors.map { ($0.name, $0.dtype.name) })
    #expect(ours == outcome.types)
  }

  /// The Q4_K_M file is written, valid, and its quantized tensors hold the reference
  /// quantizer's bytes of the F32 values (the llama.cpp conversion's, element for element).
  @Test func writesAValidQ4KMFile() throws {
    let scratch = try Scratch.folder()
    defer { Scratch.cleanUp(scratch) }
    let output = "\(scratch)/llama.q4_k_m.gguf"
    let plan = try ConversionPlan(
      folder: ConversionFixtures.folder("llama"), options: .init(recipe: .q4_K_M))
    _ = try plan.write(to: output)
    let file = try GGUFFile(path: output)
    let reference = try GGUFFile(path: ConversionFixtures.reference("llama", .f32))
    #expect(file.metadata.first { $0.key == "general.file_type" }?.value == .uint32(15))
    var quantized = 0
    for tensor in file.tensors where tensor.dtype != .f32 {
      let source = try #require(reference.tensors.first { $0.name == tensor.name })
      #expect(source.dtype == .f32)
      let rowLength = tensor.shape.last ?? 0
      let values: [Float] = reference.file.withUnsafeBytes(in: source.byteRange) { raw in
        (0..<(raw.count / 4)).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
      }
      var expected = [UInt8](
        repeating: 0,
        count: try Quantizer.byteCount(
          rows: values.count / rowLength, rowLength: rowLength, type: tensor.dtype))
      try values.withUnsafeBufferPointer { source in
        try expected.withUnsafeMutableBytes { target in
          try Quantizer.quantize(source, rowLength: rowLength, to: tensor.dtype, into: target)
        }
      }
      let ours: [UInt8] = file.file.withUnsafeBytes(in: tensor.byteRange) { Array($0) }
      #expect(ours == expected, "\(tensor.name) \(tensor.dtype)")
      quantized += 1
    }
    #expect(quantized > 0)
    #expect(try SpindleProcess.run("validate", output).status == 0)
  }
}
