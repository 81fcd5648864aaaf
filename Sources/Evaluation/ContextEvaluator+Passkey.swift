import Inference
import Tokenization

extension ContextEvaluator {
  /// Passkey retrieval under `method` at `factor`: `trials` prompts of at most `length`
  /// tokens, each with a 5-digit key (10000…99999) and, unless `depth` is given, a depth drawn
  /// uniformly from [0, 1], both from `seed` (SplitMix64), so a run repeats exactly.
  /// `progress` hears, after each layer of each prompt, the share of the trials done (0…1).
  ///
  /// - Throws: `textTooShort` when the bare prompt does not fit `length`; as
  ///   ``model(_:factor:sequenceLength:)``.
  public func passkey(
    _ method: ContextMethod, factor: Double, length: Int, depth: Double?, trials: Int,
    seed: UInt64, retrieval: PasskeyRetrieval, progress: (Double) -> Void = { _ in }
  ) throws(EvaluationError) -> PasskeyResult {
    var generator = SplitMix64(seed: seed)
    var correct = 0
    var models: [Int: LlamaModel] = [:]
    let start = Self.now()
    let layers = Double(checkpoint.configuration.layerCount)
    for trial in 0..<trials {
      let key = 10_000 + Int(generator.next() % 90_000)
      let keyDepth = depth ?? Double(generator.next() >> 11) / Double(1 << 53)
      guard let prompt = retrieval.prompt(key: key, depth: keyDepth, length: length) else {
        throw EvaluationError(
          .textTooShort, path: checkpoint.path,
          "the passkey prompt does not fit \(length) tokens even without filler")
      }
      let model = try cachedModel(
        method, factor: factor, sequenceLength: method.isDynamic ? prompt.tokens.count : length,
        in: &models)
      let answer: String
      do {
        let generated = try model.greedyTokens(
          after: prompt.tokens, count: PasskeyRetrieval.answerTokens,
          stop: retrieval.tokenizer.endOfGeneration,
          promptProgress: { progress((Double(trial) + Double($0) / layers) / Double(trials)) })
        answer = try retrieval.tokenizer.decode(generated)
      } catch {
        throw EvaluationError(.model, path: checkpoint.path, "\(error)")
      }
      if PasskeyRetrieval.firstNumber(in: answer) == key { correct += 1 }
    }
    return PasskeyResult(
      method: method.rawValue, factor: method.takesFactor ? factor : nil, length: length,
      depth: depth, trials: trials, correct: correct, seconds: Self.now() - start)
  }
}
