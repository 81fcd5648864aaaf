import Tensors

extension LlamaModel {
  /// Floating-point operations per second of this model's attention (its numerics and path)
  /// for the last query rows of a `tokens`-token sequence, on made-up queries, keys and values.
  ///
  /// A pass of `n` tokens spends `heads·4·d·n(n+1)/2` operations per layer in attention (scores
  /// and `V·p`, `2·d` each per query and key). At long lengths that term is most of the pass,
  /// yet short passes that time the products reach no long rows, and attention's rate there
  /// (a row's scores outgrow the caches) is not the products' rate. This times one layer's
  /// attention for the last 16 query rows of the sequence, then 64, 256… (all threads share
  /// them, as in a pass) until one run takes a tenth of a second or every row ran, and gives the
  /// last run's rate. Its keys and values take at most 128 MiB each: on a model whose
  /// `keyValueLength` makes `tokens` rows larger, the rows are those of the longest sequence
  /// that fits.
  public func attentionOperationsPerSecond(tokens: Int) -> Double {
    let c = configuration
    let n = Self.attentionProbeLength(tokens: tokens, keyValueLength: c.keyValueLength)
    guard n > 0 else { return 0 }
    var generator = SplitMix64(seed: 0x5EED)
    func uniform(_ count: Int) -> [Float] {
      // In [−1, 1), 24 random bits each; llama.cpp's cache holds them as F16.
      let half = numericMode == .llamaCpp
      return (0..<count).map { _ in
        let x = Float(Int32(generator.next() >> 40) - (1 << 23)) / Float(1 << 23)
        return half ? Self.roundedToHalf(x) : x
      }
    }
    let keys = uniform(n * c.keyValueLength)
    let values = uniform(n * c.keyValueLength)
    let clock = ContinuousClock()
    var queryCount = min(n, 16)
    while true {
      let queryRows = Array((n - queryCount)..<n)
      let q = uniform(queryCount * c.queryLength)
      let start = clock.now
      _ = attend(
        q: q, keys: keys, values: values, queryRows: queryRows, callStart: 0, callTokens: n,
        singleTokenBatch: n == 1, queriesScaled: false)
      let seconds = (clock.now - start).seconds
      if seconds >= 0.1 || queryCount == n {
        // One layer's attention for rows n − queryCount..<n: a pass of n less one of the rest.
        let operations =
          (c.attentionOperations(tokens: n) - c.attentionOperations(tokens: n - queryCount))
          / Double(c.layerCount)
        return operations / max(seconds, 1e-9)
      }
      queryCount = min(n, 4 * queryCount)
    }
  }

  /// The sequence length ``attentionOperationsPerSecond(tokens:)`` times for `tokens`: all of
  /// them while the keys (and the values) take at most 2²⁵ Floats (128 MiB) each, else the
  /// longest that fits, never under 1024.
  public static func attentionProbeLength(tokens: Int, keyValueLength: Int) -> Int {
    min(tokens, max(1024, (1 << 25) / max(1, keyValueLength)))
  }
}
