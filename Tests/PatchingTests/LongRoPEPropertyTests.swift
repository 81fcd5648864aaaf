import Formats
import Models
import Patching
import PropertyBased
import RoPE
import Testing

/// LongRoPE's GGUF form read back: random factors, lengths and attention factors.
@Suite("LongRoPE properties")
struct LongRoPEPropertyTests {
  static let factor = Gen.double(in: 0.5...100)
  static let factors = factor.array(of: 8)

  /// The keys and tensors `stamp` writes read back as their stored form, bit for bit in the
  /// tensors, and the stored form is a fixed point (so restamping is a no-op).
  @Test func ggufFormReadsBack() async {
    await propertyCheck(
      count: 300, input: Self.factors, Self.factors, Gen.element(of: [2048, 4096, 131_072]),
      Gen.double(in: 1...64), Gen.element(of: [nil, 0.5, 1.0, 1.2345678] as [Double?])
    ) { short, long, originalChoice, scale, attentionChoice in
      let original = originalChoice ?? 4096
      let attention = attentionChoice.flatMap { $0 }
      let context = Int((Double(original) * scale).rounded())
      let settings = RoPESettings(
        scaling: .longRoPE(shortFactors: short, longFactors: long, attentionFactor: attention),
        contextLength: context, originalContextLength: original, base: 10_000, headDimension: 16,
        rotaryDimension: 16)
      let mapping = settings.ggufMapping(architecture: "phi3")
      #expect(mapping.unexpressed.isEmpty)
      var metadata: [String: GGUFValue] = [
        "general.architecture": .string("phi3"), "phi3.rope.dimension_count": .uint32(16),
        "phi3.attention.key_length": .uint32(16),
      ]
      for edit in mapping.edits {
        if case .set(let key, let value) = edit { metadata[key] = value }
      }
      let tables = try #require(mapping.longRoPETables)
      #expect(tables.short?.values?.map(\.bitPattern) == short.map { Float($0).bitPattern })
      #expect(tables.long?.values?.map(\.bitPattern) == long.map { Float($0).bitPattern })
      let reread = try RoPESettings(ggufMetadata: metadata, tables: tables, path: "p.gguf")
      let stored = settings.ggufStoredForm
      #expect(reread.scaling == stored.scaling)
      #expect(reread.ggufStoredForm.scaling == reread.scaling)
      #expect(reread.contextLength == context && reread.originalContextLength == original)
      let wanted = try #require(settings.longRoPEAttentionFactor)
      #expect(reread.longRoPEAttentionFactor.map(Float.init) == Float(wanted))
    }
  }
}
