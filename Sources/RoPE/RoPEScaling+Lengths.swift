extension RoPEScaling {
  /// Whether `context` is `factor × original` to within one token, as YaRN configs must state
  /// it (transformers v4.5x replaced a disagreeing factor, v5 warns).
  public static func isContext(_ context: Int, factor: Double, original: Int) -> Bool {
    (Double(original) * factor - Double(context)).magnitude < 1
  }
}
