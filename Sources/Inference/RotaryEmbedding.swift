public import RoPE

/// How queries and keys are rotated: which dimensions pair up, and by what angle and magnitude.
///
/// The angles come from the caller, so the same model can run with scaling computed at runtime
/// (``Angles/table(inverseFrequencies:attentionFactor:)`` from `RoPEScaling.frequencies`), with
/// tables baked into a checkpoint (`θ_i / frequencyFactor_i` and the stored attention factor),
/// or exactly as llama.cpp's kernel computes them (``Angles/ggml(_:)``).
public struct RotaryEmbedding: Hashable, Sendable {
  /// Which two dimensions of a head form rotary pair `i`.
  public enum Layout: String, Hashable, Sendable {
    /// `(2i, 2i+1)`: ggml's normal mode (`rope_type` 0), what llama-arch GGUF files expect
    /// (their Q/K rows are permuted at conversion).
    case interleaved
    /// `(i, i + d/2)`: NeoX mode, what Hugging Face checkpoints (and qwen2 GGUFs) expect.
    case halves
  }

  /// Where the angle of pair `i` at position `p` comes from.
  public enum Angles: Hashable, Sendable {
    /// `θ = Float(p) · inverseFrequencies[i]` (one rounding), cos and sin scaled by
    /// `attentionFactor`. One entry per pair.
    case table(inverseFrequencies: [Float], attentionFactor: Float)
    /// llama.cpp's `ggml_rope_ext` arithmetic: `θ = p · theta_scale^i` as an iterative Float
    /// product, divided by the frequency factors, then the YaRN blend and magnitude
    /// (see `GGMLRoPE`).
    case ggml(GGMLRoPE)
  }

  /// Pairing of dimensions.
  public var layout: Layout
  /// Rotated dimensions per head (`rope.dimension_count`), even; the rest pass through.
  public var dimensionCount: Int
  /// The angle source.
  public var angles: Angles

  /// Creates a rotary description.
  public init(layout: Layout, dimensionCount: Int, angles: Angles) {
    self.layout = layout
    self.dimensionCount = dimensionCount
    self.angles = angles
  }

  /// The runtime form of a scaling's tables: `RoPEFrequencies` inverse frequencies and
  /// attention factor.
  public init(layout: Layout, frequencies: RoPEFrequencies) {
    self.init(
      layout: layout, dimensionCount: 2 * frequencies.inverseFrequencies.count,
      angles: .table(
        inverseFrequencies: frequencies.inverseFrequencies,
        attentionFactor: frequencies.attentionFactor))
  }

  /// The baked form: unscaled `θ_i = base^(-2i/d)` divided by stored frequency factors, with a
  /// stored attention factor, in a table (`θ_i` rounded from Double, then divided in Float).
  public init(
    layout: Layout, base: Double, frequencyFactors: [Float], attentionFactor: Float
  ) {
    let d = 2 * frequencyFactors.count
    let inverse = frequencyFactors.indices.map { i in
      Float(1 / CMath.power(base, Double(2 * i) / Double(d))) / frequencyFactors[i]
    }
    self.init(
      layout: layout, dimensionCount: d,
      angles: .table(inverseFrequencies: inverse, attentionFactor: attentionFactor))
  }

  /// Rotary pairs per head, `d/2`.
  public var pairCount: Int { dimensionCount / 2 }

  /// Checks that the description fits heads of `headDimension`.
  ///
  /// - Throws: `invalidRotary` for an odd or too large dimension count, or a table of the
  ///   wrong length.
  public func validate(headDimension: Int) throws(InferenceError) {
    guard dimensionCount > 0, dimensionCount.isMultiple(of: 2), dimensionCount <= headDimension
    else {
      throw InferenceError(
        .invalidRotary, name: "rope.dimension_count",
        "rope.dimension_count must be even and in 2...\(headDimension) (head_dim), found"
          + " \(dimensionCount)")
    }
    switch angles {
    case .table(let inverse, let factor):
      guard inverse.count == pairCount else {
        throw InferenceError(
          .invalidRotary, name: "inverseFrequencies",
          "the inverse frequency table must hold \(pairCount) values (one per pair), found"
            + " \(inverse.count)")
      }
      guard factor.isFinite, inverse.allSatisfy(\.isFinite) else {
        throw InferenceError(
          .invalidRotary, name: "inverseFrequencies",
          "the rotary table and attention factor must be finite")
      }
    case .ggml(let kernel):
      guard kernel.dimensionCount == dimensionCount else {
        throw InferenceError(
          .invalidRotary, name: "rope.dimension_count",
          "the ggml kernel rotates \(kernel.dimensionCount) dimensions, expected \(dimensionCount)")
      }
    }
  }

  /// cos and sin (magnitude included) for `positions`, row-major `[position][pair]`.
  func rotations(positions: some Collection<Int>) -> (cos: [Float], sin: [Float]) {
    let pairs = pairCount
    var cosines = [Float](repeating: 0, count: positions.count * pairs)
    var sines = cosines
    switch angles {
    case .table(let inverse, let factor):
      for (row, position) in positions.enumerated() {
        let p = Float(position)
        for i in 0..<pairs {
          let theta = p * inverse[i]
          cosines[row * pairs + i] = CMath.cos(theta) * factor
          sines[row * pairs + i] = CMath.sin(theta) * factor
        }
      }
    case .ggml(let kernel):
      for (row, position) in positions.enumerated() {
        for (i, rotation) in kernel.rotations(atPosition: Int32(clamping: position)).enumerated()
        where i < pairs {
          cosines[row * pairs + i] = rotation.cos
          sines[row * pairs + i] = rotation.sin
        }
      }
    }
    return (cosines, sines)
  }

  /// Rotates the first ``dimensionCount`` values of each of `heads` heads in `vector`.
  ///
  /// With ``Angles/ggml(_:)`` angles the products are also fused as ggml's `rope` kernel
  /// (GCC, `-march=native`, x86) fuses them; otherwise each product is rounded.
  func rotate(
    _ vector: UnsafeMutablePointer<Float>, heads: Int, headDimension: Int,
    cos: UnsafePointer<Float>, sin: UnsafePointer<Float>
  ) {
    if case .ggml = angles {
      rotateGGML(vector, heads: heads, headDimension: headDimension, cos: cos, sin: sin)
      return
    }
    let pairs = pairCount
    for head in 0..<heads {
      let x = vector + head * headDimension
      for i in 0..<pairs {
        let (a, b) = layout == .interleaved ? (2 * i, 2 * i + 1) : (i, i + pairs)
        let x0 = x[a]
        let x1 = x[b]
        x[a] = x0 * cos[i] - x1 * sin[i]
        x[b] = x0 * sin[i] + x1 * cos[i]
      }
    }
  }

  /// ggml's `rotate_pairs` as GCC compiles it for x86 (`-march=native`, contraction on):
  /// `x₀' = fma(x₀, cos, −(x₁·sin))`, `x₁' = fma(x₀, sin, x₁·cos)` in both layouts.
  private func rotateGGML(
    _ vector: UnsafeMutablePointer<Float>, heads: Int, headDimension: Int,
    cos: UnsafePointer<Float>, sin: UnsafePointer<Float>
  ) {
    let pairs = pairCount
    for head in 0..<heads {
      let x = vector + head * headDimension
      for i in 0..<pairs {
        let (a, b) = layout == .interleaved ? (2 * i, 2 * i + 1) : (i, i + pairs)
        let x0 = x[a]
        let x1 = x[b]
        x[a] = (-(x1 * sin[i])).addingProduct(x0, cos[i])
        x[b] = (x1 * cos[i]).addingProduct(x0, sin[i])
      }
    }
  }
}
