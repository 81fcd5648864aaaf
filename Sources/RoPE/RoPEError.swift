/// The one error type of the `RoPE` module: a parameter a caller supplied is out of its domain.
///
/// Every case names the parameter with its Hugging Face configuration key (`factor`,
/// `beta_fast`, `original_max_position_embeddings`, …) so that a message points at the line of
/// `config.json` to fix.
public enum RoPEError: Error, Hashable, Sendable, CustomStringConvertible {
  /// A number outside its domain, with a phrase for the domain (`"finite and >= 1"`).
  case invalidValue(parameter: String, expected: String, found: Double)
  /// A list with the wrong number of entries (LongRoPE factors hold one entry per pair).
  case wrongCount(parameter: String, expected: Int, found: Int)
  /// `int(head_dim * partial_rotary_factor)` is odd or zero, so it cannot be split into pairs.
  case oddRotaryDimension(headDimension: Int, partialRotaryFactor: Double, rotaryDimension: Int)

  public var description: String {
    switch self {
    case .invalidValue(let parameter, let expected, let found):
      "RoPE parameter '\(parameter)' must be \(expected), found \(found)"
    case .wrongCount(let parameter, let expected, let found):
      "RoPE parameter '\(parameter)' must hold \(expected) values (one per rotary pair), found \(found)"
    case .oddRotaryDimension(let headDimension, let partialRotaryFactor, let rotaryDimension):
      "rotary dimension int(head_dim \(headDimension) * partial_rotary_factor \(partialRotaryFactor))"
        + " = \(rotaryDimension) must be even and positive"
    }
  }
}
