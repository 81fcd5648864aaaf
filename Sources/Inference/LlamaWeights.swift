/// The tensors of a llama-family decoder, by role: views only, nothing decoded yet.
///
/// Optional tensors cover qwen2 (q/k/v biases) and qwen3 (per-head q/k RMSNorm). A missing
/// output projection means it is tied to the token embedding.
public struct LlamaWeights: Sendable {
  /// One decoder block.
  public struct Layer: Sendable {
    public var attentionNorm: TensorView
    public var query: TensorView
    public var key: TensorView
    public var value: TensorView
    public var attentionOutput: TensorView
    public var queryBias: TensorView?
    public var keyBias: TensorView?
    public var valueBias: TensorView?
    public var attentionOutputBias: TensorView?
    /// qwen3: RMSNorm over each query head before rotation.
    public var queryNorm: TensorView?
    /// qwen3: RMSNorm over each key head before rotation.
    public var keyNorm: TensorView?
    public var feedForwardNorm: TensorView
    public var gate: TensorView
    public var up: TensorView
    public var down: TensorView
  }

  public var tokenEmbedding: TensorView
  public var layers: [Layer]
  public var outputNorm: TensorView
  /// The output projection; the token embedding when the checkpoint ties them.
  public var output: TensorView

  /// Picks the tensors of `layerCount` layers out of `tensors` by `naming`.
  ///
  /// - Throws: `missingTensor` naming the first required tensor that is absent.
  public init(
    tensors: [String: TensorView], naming: TensorNaming, layerCount: Int
  ) throws(InferenceError) {
    func required(_ role: TensorNaming.Role, _ layer: Int = 0) throws(InferenceError) -> TensorView
    {
      let name = naming.name(role, layer: layer)
      guard let view = tensors[name] else {
        throw InferenceError(.missingTensor, name: name, "required tensor \"\(name)\" is missing")
      }
      return view
    }
    func optional(_ role: TensorNaming.Role, _ layer: Int) -> TensorView? {
      tensors[naming.name(role, layer: layer)]
    }
    tokenEmbedding = try required(.tokenEmbedding)
    outputNorm = try required(.outputNorm)
    output = optional(.output, 0) ?? tokenEmbedding
    var layers: [Layer] = []
    for i in 0..<max(0, layerCount) {
      layers.append(
        Layer(
          attentionNorm: try required(.attentionNorm, i), query: try required(.query, i),
          key: try required(.key, i), value: try required(.value, i),
          attentionOutput: try required(.attentionOutput, i),
          queryBias: optional(.queryBias, i), keyBias: optional(.keyBias, i),
          valueBias: optional(.valueBias, i),
          attentionOutputBias: optional(.attentionOutputBias, i),
          queryNorm: optional(.queryNorm, i), keyNorm: optional(.keyNorm, i),
          feedForwardNorm: try required(.feedForwardNorm, i), gate: try required(.gate, i),
          up: try required(.up, i), down: try required(.down, i)))
    }
    self.layers = layers
  }

  /// Whether the output projection is the token embedding.
  public var isOutputTied: Bool { output.name == tokenEmbedding.name }
}
