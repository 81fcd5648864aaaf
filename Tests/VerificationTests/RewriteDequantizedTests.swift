import Formats
import Inference
import TestSupport
import Testing
import Verification

/// `Checkpoint.rewriteDequantized` (`spindle rewrite --dtype f32`) on the gguf-py fixture
/// `fixtures/dequant/dequant.gguf`, whose `.expected` tensors are gguf-py's dequantization.
@Suite("Rewrite dequantized")
struct RewriteDequantizedTests {
  /// `spindle rewrite --dtype f32`: every quantized tensor becomes its gguf-py dequantization.
  @Test func rewriteToF32GivesTheExpectedValues() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let output = "\(folder)/f32.gguf"
    let checkpoint = try Checkpoint.open(Repository.fixture("dequant/dequant.gguf"))
    _ = try checkpoint.rewriteDequantized(to: output)
    let file = try GGUFFile(path: output)
    #expect(file.metadata.first { $0.key == "general.file_type" }?.value == .uint32(0))
    func bytes(_ name: String) throws -> [UInt8] {
      let entry = try #require(file.tensors.first { $0.name == name })
      #expect(entry.dtype == .f32)
      return file.file.withUnsafeBytes(in: entry.byteRange) { Array($0) }
    }
    for dtype in TensorView.decodableTypes.sorted(by: { $0.name < $1.name }) {
      #expect(try bytes("\(dtype.name).quantized") == bytes("\(dtype.name).expected"), "\(dtype)")
    }
  }
}
