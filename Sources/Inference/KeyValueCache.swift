/// The keys and values of the tokens a ``LlamaModel`` has already seen, per layer, so the
/// next token costs one row instead of the whole sequence.
///
/// Keys are stored rotated, and in ``NumericMode/llamaCpp`` rounded to F16 as llama.cpp's F16
/// cache holds them, so decoding with a cache gives the same logits, bit for bit, as
/// ``LlamaModel/logits(tokens:startPosition:outputs:)`` over the whole sequence — except that
/// in `.llamaCpp` mode a one-token step sums attention in ggml's one-token order, as llama.cpp
/// does, which agrees with the batched order only to rounding.
public struct KeyValueCache: Sendable {
  /// Keys per layer, `count × keyValueLength`.
  var keys: [[Float]]
  /// Values per layer, `count × keyValueLength`.
  var values: [[Float]]
  /// The position of the first cached token.
  public let startPosition: Int
  /// The number of tokens cached.
  public private(set) var count = 0

  /// An empty cache for `model`, whose first token will sit at `startPosition`.
  public init(for model: LlamaModel, startPosition: Int = 0) {
    keys = Array(repeating: [], count: model.configuration.layerCount)
    values = keys
    self.startPosition = startPosition
  }

  /// The position the next token will take.
  public var nextPosition: Int { startPosition + count }

  mutating func append(layer: Int, keys newKeys: [Float], values newValues: [Float]) {
    keys[layer] += newKeys
    values[layer] += newValues
  }

  mutating func advance(by tokens: Int) { count += tokens }
}
