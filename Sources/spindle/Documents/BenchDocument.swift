import Inference

/// One line of `spindle bench --json`: a pp or tg test (rate over repetitions), or the
/// whole-sequence `context` pass (seconds and peak memory).
///
/// Members a test does not measure are absent, not `null`, so each line keeps the shape
/// `Benchmarks/inference.sh` reads.
struct BenchDocument: Encodable {
  var test: String
  var numerics: String
  var threads: Int
  /// The kernel level the forward pass ran (`KernelLevel`).
  var kernels: String = KernelLevel.selected.rawValue
  /// The llama.cpp build whose sums llama.cpp numerics follow (`llama_cpp_build`); nil, and
  /// absent, in exact numerics.
  var llamaCppBuild: LlamaCppBuild?
  var tokens: Int
  var repetitions: Int?
  var meanSeconds: Double?
  var tokensPerSecond: Double?
  var stddevTokensPerSecond: Double?
  var seconds: Double?
  /// Of `seconds`, the wall time spent in attention (``AttentionTime``).
  var attentionSeconds: Double?
  var peakRSSBytes: Int?

  private enum CodingKeys: String, CodingKey {
    case test, numerics, threads, kernels, llamaCppBuild, tokens, repetitions, meanSeconds
    case tokensPerSecond
    case stddevTokensPerSecond, seconds, attentionSeconds, peakRSSBytes
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(test, forKey: .test)
    try container.encode(numerics, forKey: .numerics)
    try container.encode(threads, forKey: .threads)
    try container.encode(kernels, forKey: .kernels)
    if let llamaCppBuild { try container.encode(llamaCppBuild.rawValue, forKey: .llamaCppBuild) }
    try container.encode(tokens, forKey: .tokens)
    // Only the members this test measured.
    if let repetitions { try container.encode(repetitions, forKey: .repetitions) }
    if let meanSeconds { try container.encode(meanSeconds, forKey: .meanSeconds) }
    if let tokensPerSecond { try container.encode(tokensPerSecond, forKey: .tokensPerSecond) }
    if let stddevTokensPerSecond {
      try container.encode(stddevTokensPerSecond, forKey: .stddevTokensPerSecond)
    }
    if let seconds { try container.encode(seconds, forKey: .seconds) }
    if let attentionSeconds { try container.encode(attentionSeconds, forKey: .attentionSeconds) }
    if let peakRSSBytes { try container.encode(peakRSSBytes, forKey: .peakRSSBytes) }
  }
}
