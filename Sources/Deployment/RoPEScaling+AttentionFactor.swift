import RoPE

extension RoPEScaling {
  /// The attention factor in Double, as the Python runtimes hold it (the tables round it to
  /// Float): YaRN's rule at its factor, LongRoPE's, 1 for the rest.
  func attentionFactor(for configuration: RotaryConfiguration) -> Double {
    switch self {
    case .yarn(let factor, let parameters):
      parameters.attentionFactor(factor: factor)
    case .longRoPE(_, _, let factor, let attentionFactor):
      attentionFactor
        ?? Self.longRoPEAttentionFactor(
          factor: factor
            ?? Double(configuration.maxPositionEmbeddings)
            / Double(configuration.originalContextLength),
          originalContextLength: configuration.originalContextLength)
    case .none, .linear, .ntkAware, .dynamicNTK, .dynamicYaRN, .llama3:
      1
    }
  }
}
