import Conversion
import Foundation
import Inference
import Models
import TestSupport
import Testing

/// The converted files in Spindle's forward pass (llama.cpp numerics, the path
/// `ArchitectureAgreementTests` holds bit for bit to llama.cpp): the same logits as the file
/// llama.cpp's converter wrote, and, at F32, llama.cpp's recorded logits.
@Suite(
  "Conversion logits")
struct ConversionLogitsTests {
  static func logits(_ path: String, _ recorded: RecordedLogits) throws -> [[Float]] {
    let model = try ModelCheckpoint(path: path).model(
      rotary: .llamaCpp, longRoPE: .context(256), numericMode: .llamaCpp)
    return try model.logits(tokens: recorded.tokens, startPosition: 0, outputs: recorded.indices)
  }

  static let cases: [(String, ConversionPlan.TargetType)] = ConversionFixtures.models.flatMap {
    [($0, .f32), ($0, .f16), ($0, .q8_0)]
  }

  @Test("Spindle's GGUF gives the logits of llama.cpp's converted GGUF", arguments: cases)
  func sameLogits(_ name: String, _ type: ConversionPlan.TargetType) throws {
    let output = try ConversionFixtures.convert(name, type)
    defer { Scratch.cleanUp(URL(fileURLWithPath: output).deletingLastPathComponent().path) }
    let recorded = try RecordedLogits(architectures: "\(name)/short.llamacpp-ctx256-flash-off")
    let ours = try Self.logits(output, recorded)
    #expect(ours == (try Self.logits(ConversionFixtures.reference(name, type), recorded)))
    if type == .f32 {
      // Against the recordings of llama.cpp's AVX-512 build and of its AVX2 one.
      for build in LlamaCppBuild.allCases {
        let folder = build == .avx2 ? "avx2/" : ""
        let recorded = try RecordedLogits(
          architectures: "\(name)/\(folder)short.llamacpp-ctx256-flash-off")
        let ours = try LlamaCppBuild.withBuild(build) { try Self.logits(output, recorded) }
        #expect(recorded.relativeGap(ours) == 0, "\(name): llama.cpp's \(build.rawValue) logits")
      }
    }
  }
}
