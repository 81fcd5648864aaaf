/// The model-side inputs of rotary position embedding: base, head size, partial rotary factor and
/// the context lengths, independent of any scaling.
///
/// The rotary dimension follows transformers (`_compute_default_rope_parameters`):
///
/// ```
/// d   = int(head_dim * partial_rotary_factor)    // llama.cpp: n_rot, rope.dimension_count
/// θ_i = base^(-2i/d)                             // i = 0 ..< d/2, the default inv_freq
/// λ_i = 2π / θ_i                                 // wavelength in positions
/// ```
public struct RotaryConfiguration: Hashable, Sendable {
  /// `rope_theta` (GGUF `rope.freq_base`), `b`.
  public var base: Double
  /// `head_dim` of the attention heads.
  public var headDimension: Int
  /// `partial_rotary_factor`: the fraction of each head that is rotated, in (0, 1].
  public var partialRotaryFactor: Double
  /// `max_position_embeddings`: the (possibly already extended) context length, `L'`.
  ///
  /// Dynamic NTK measures the sequence length against this value, as transformers does, and
  /// LongRoPE derives a missing `factor` from it.
  public var maxPositionEmbeddings: Int
  /// `original_max_position_embeddings` (GGUF `rope.scaling.original_context_length`), `L`: the
  /// context the model was pre-trained with, against which YaRN, llama3 and LongRoPE measure.
  public var originalContextLength: Int

  /// Creates a configuration; `originalContextLength` defaults to `maxPositionEmbeddings`, as
  /// transformers v5 `standardize_rope_params` fills it in.
  public init(
    base: Double = 10_000, headDimension: Int, partialRotaryFactor: Double = 1,
    maxPositionEmbeddings: Int, originalContextLength: Int? = nil
  ) {
    self.base = base
    self.headDimension = headDimension
    self.partialRotaryFactor = partialRotaryFactor
    self.maxPositionEmbeddings = maxPositionEmbeddings
    self.originalContextLength = originalContextLength ?? maxPositionEmbeddings
  }

  /// `d = int(head_dim * partial_rotary_factor)`, truncated toward zero like Python's `int()`.
  ///
  /// Zero or negative for invalid inputs; ``validate()`` rejects those.
  public var rotaryDimension: Int {
    let product = Double(headDimension) * partialRotaryFactor
    guard product.isFinite, product.magnitude < 0x1p52 else { return 0 }
    return Int(product)
  }

  /// The number of rotated pairs, `d/2`: the length of every per-pair vector in this module.
  public var pairCount: Int { rotaryDimension / 2 }

  /// Checks every field; the scaling types call this before computing anything.
  ///
  /// - Throws: ``RoPEError`` naming the first offending configuration key.
  public func validate() throws(RoPEError) {
    guard base.isFinite, base > 1 else {
      throw .invalidValue(parameter: "rope_theta", expected: "finite and > 1", found: base)
    }
    guard headDimension > 0 else {
      throw .invalidValue(
        parameter: "head_dim", expected: "a positive integer", found: Double(headDimension))
    }
    guard partialRotaryFactor > 0, partialRotaryFactor <= 1 else {
      throw .invalidValue(
        parameter: "partial_rotary_factor", expected: "in (0, 1]", found: partialRotaryFactor)
    }
    let dimension = rotaryDimension
    guard dimension >= 2, dimension.isMultiple(of: 2) else {
      throw .oddRotaryDimension(
        headDimension: headDimension, partialRotaryFactor: partialRotaryFactor,
        rotaryDimension: dimension)
    }
    guard maxPositionEmbeddings > 0 else {
      throw .invalidValue(
        parameter: "max_position_embeddings", expected: "a positive integer",
        found: Double(maxPositionEmbeddings))
    }
    guard originalContextLength > 0 else {
      throw .invalidValue(
        parameter: "original_max_position_embeddings", expected: "a positive integer",
        found: Double(originalContextLength))
    }
  }

  /// The unscaled inverse frequencies `θ_i = 1 / base^(2i/d)` in Double.
  ///
  /// Mirrors transformers `_compute_default_rope_parameters` (`1.0 / base ** (arange(0, d, 2) / d)`)
  /// but without its float32 rounding.
  public var defaultInverseFrequencies: [Double] {
    Self.inverseFrequencies(base: base, rotaryDimension: rotaryDimension)
  }

  /// `θ_i = 1 / base^(2i/d)` for `i = 0 ..< d/2`.
  ///
  /// - Precondition: `rotaryDimension` is even and positive and `base > 0`; callers validate
  ///   user input first, so a violation is a programming error.
  static func inverseFrequencies(base: Double, rotaryDimension: Int) -> [Double] {
    precondition(
      rotaryDimension > 0 && rotaryDimension.isMultiple(of: 2),
      "rotary dimension \(rotaryDimension) must be even and positive")
    precondition(base > 0, "RoPE base \(base) must be positive")
    let d = Double(rotaryDimension)
    return (0..<(rotaryDimension / 2)).map { i in 1 / LibM.power(base, Double(2 * i) / d) }
  }
}
