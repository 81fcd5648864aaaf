import Inference

#if canImport(Glibc)
import Glibc
#endif

extension ContextEvaluator {
  /// The perplexity of `texts` (token ids, each starting with BOS when the model adds one)
  /// under `method` at `factor` and context `length`, cut and combined as `protocol` says.
  ///
  /// Dynamic methods get a model per pass length (their scaling follows the sequence); the
  /// others one model for all passes. `progress` hears, after each layer of each pass, the
  /// share of the cell's operations done (0…1; ``perplexityOperations(length:texts:protocol:beginningOfSequence:)``).
  ///
  /// - Throws: `textTooShort` when no text has the tokens the protocol needs at `length`;
  ///   `unsupportedMethod`, `model` from ``model(_:factor:sequenceLength:)``.
  public func perplexity(
    _ method: ContextMethod, factor: Double, length: Int, texts: [[Int32]],
    protocol: PerplexityProtocol, beginningOfSequence: Int32?,
    progress: (Double) -> Void = { _ in }
  ) throws(EvaluationError) -> PerplexityResult {
    let perText = texts.map {
      `protocol`.passes(text: $0, length: length, beginningOfSequence: beginningOfSequence)
    }.filter { !$0.isEmpty }
    guard !perText.isEmpty else {
      let longest = texts.map(\.count).max() ?? 0
      throw EvaluationError(
        .textTooShort, path: checkpoint.path,
        "no text has the \(`protocol`.tokensNeeded(length: length)) tokens length \(length)"
          + " needs (the longest has \(longest)); give longer texts or shorter --lengths")
    }
    let total = perText.joined().reduce(0) { $0 + $1.tokens.count }
    let c = checkpoint.configuration
    let operations = perText.joined().map {
      c.forwardOperations(tokens: $0.tokens.count, logits: $0.outputs.count)
    }
    let allOperations = operations.reduce(0, +)
    var operationsDone = 0.0
    var passIndex = 0
    var models: [Int: LlamaModel] = [:]
    var sum = 0.0
    var count = 0
    var textPerplexities: [Double] = []
    let start = Self.now()
    for passes in perText {
      var textSum = 0.0
      var textCount = 0
      for pass in passes {
        let model = try cachedModel(
          method, factor: factor, sequenceLength: method.isDynamic ? pass.tokens.count : length,
          in: &models)
        let passOperations = operations[passIndex]
        let values = try Self.negativeLogLikelihoods(model, pass, path: checkpoint.path) {
          layers in
          progress(
            (operationsDone + passOperations * Double(layers) / Double(c.layerCount))
              / allOperations)
        }
        textSum += values.reduce(0, +)
        textCount += values.count
        operationsDone += passOperations
        passIndex += 1
      }
      sum += textSum
      count += textCount
      textPerplexities.append(exp(textSum / Double(max(1, textCount))))
    }
    let perplexity =
      `protocol`.averagesTexts
      ? textPerplexities.reduce(0, +) / Double(textPerplexities.count)
      : exp(sum / Double(max(1, count)))
    return PerplexityResult(
      method: method.rawValue, factor: method.takesFactor ? factor : nil, length: length,
      perplexity: perplexity, meanNegativeLogLikelihood: sum / Double(max(1, count)),
      scoredTokens: count, texts: perText.count, passes: perText.joined().count,
      tokensRun: total, seconds: Self.now() - start)
  }

  /// The model for `sequenceLength` from `cache`, built and kept there on first use (dynamic
  /// methods need one per length, the others one in all).
  func cachedModel(
    _ method: ContextMethod, factor: Double, sequenceLength: Int, in cache: inout [Int: LlamaModel]
  ) throws(EvaluationError) -> LlamaModel {
    if let built = cache[sequenceLength] { return built }
    let model = try self.model(method, factor: factor, sequenceLength: sequenceLength)
    cache[sequenceLength] = model
    return model
  }

  /// `−log softmax(logits)[next token]` at each of the pass's outputs, in Double.
  static func negativeLogLikelihoods(
    _ model: LlamaModel, _ pass: PerplexityProtocol.Pass, path: String,
    progress: (_ layersDone: Int) -> Void = { _ in }
  ) throws(EvaluationError) -> [Double] {
    var values: [Double] = []
    values.reserveCapacity(pass.outputs.count)
    // (An array: a Range's subscript takes its own values, not offsets.)
    let outputs = Array(pass.outputs)
    do {
      try model.logits(
        tokens: pass.tokens, startPosition: 0, outputs: outputs, chunk: 256, progress: progress
      ) { rows, range in
        for (row, output) in zip(rows, outputs[range]) {
          values.append(negativeLogLikelihood(row, target: Int(pass.tokens[output + 1])))
        }
      }
    } catch {
      throw EvaluationError(.model, path: path, error.description)
    }
    return values
  }

  /// `log Σ exp(x) − x[target]`, the sum in Double around the largest logit.
  static func negativeLogLikelihood(_ logits: [Float], target: Int) -> Double {
    let largest = Double(logits.max() ?? 0)
    var sum = 0.0
    for logit in logits { sum += exp(Double(logit) - largest) }
    return largest + log(sum) - Double(logits[target])
  }

  static func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
  }
}
