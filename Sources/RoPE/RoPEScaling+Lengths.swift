extension RoPEScaling {
  /// Whether `context` is `factor × original` to within one token, as YaRN configs must state
  /// it (transformers v4.5x replaced a disagreeing factor, v5 warns).
  public static func isContext(_ context: Int, factor: Double, original: Int) -> Bool {
    (Double(original) * factor - Double(context)).magnitude < 1
  }
}

extension RoPEScaling {
  /// Whether the frequencies depend on the sequence length, so that no one static table
  /// describes the scaling: dynamic NTK and dynamic YaRN rescale with it, LongRoPE picks its
  /// short or long factors by it.
  public var dependsOnSequenceLength: Bool {
    switch self {
    case .dynamicNTK, .dynamicYaRN, .longRoPE: true
    case .none, .linear, .ntkAware, .yarn, .llama3: false
    }
  }
}
