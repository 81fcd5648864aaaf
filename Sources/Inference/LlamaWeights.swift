/// The tensors of a llama-family decoder, by role: views only, nothing decoded yet.
///
/// Optional tensors cover qwen2 (q/k/v biases), qwen3 (per-head q/k RMSNorm) and GPT-NeoX
/// (norm biases, feed-forward biases, no gate). A missing output projection means it is tied
/// to the token embedding. Fused checkpoint tensors (phi3's `qkv_proj` and `gate_up_proj`,
/// GPT-NeoX's `query_key_value`) arrive here already split, one view per role.
public struct LlamaWeights: Sendable {
  /// One decoder block.
  public struct Layer: Sendable {
    public var attentionNorm: TensorView
    /// LayerNorm blocks: the attention norm's bias.
    public var attentionNormBias: TensorView?
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
    /// LayerNorm blocks: the feed-forward norm's bias.
    public var feedForwardNormBias: TensorView?
    /// SwiGLU blocks only; a GELU feed-forward network has none.
    public var gate: TensorView?
    public var up: TensorView
    public var upBias: TensorView?
    public var down: TensorView
    public var downBias: TensorView?

    /// Creates a block from its views.
    public init(
      attentionNorm: TensorView, attentionNormBias: TensorView? = nil, query: TensorView,
      key: TensorView, value: TensorView, attentionOutput: TensorView,
      queryBias: TensorView? = nil, keyBias: TensorView? = nil, valueBias: TensorView? = nil,
      attentionOutputBias: TensorView? = nil, queryNorm: TensorView? = nil,
      keyNorm: TensorView? = nil, feedForwardNorm: TensorView,
      feedForwardNormBias: TensorView? = nil, gate: TensorView?, up: TensorView,
      upBias: TensorView? = nil, down: TensorView, downBias: TensorView? = nil
    ) {
      self.attentionNorm = attentionNorm
      self.attentionNormBias = attentionNormBias
      self.query = query
      self.key = key
      self.value = value
      self.attentionOutput = attentionOutput
      self.queryBias = queryBias
      self.keyBias = keyBias
      self.valueBias = valueBias
      self.attentionOutputBias = attentionOutputBias
      self.queryNorm = queryNorm
      self.keyNorm = keyNorm
      self.feedForwardNorm = feedForwardNorm
      self.feedForwardNormBias = feedForwardNormBias
      self.gate = gate
      self.up = up
      self.upBias = upBias
      self.down = down
      self.downBias = downBias
    }
  }

  public var tokenEmbedding: TensorView
  public var layers: [Layer]
  public var outputNorm: TensorView
  /// LayerNorm models: the output norm's bias.
  public var outputNormBias: TensorView?
  /// The output projection; the token embedding when the checkpoint ties them.
  public var output: TensorView
  /// The output projection's bias, when the checkpoint has one.
  public var outputBias: TensorView?

  /// Creates the weights from their views; a `nil` output ties it to the token embedding.
  public init(
    tokenEmbedding: TensorView, layers: [Layer], outputNorm: TensorView,
    outputNormBias: TensorView? = nil, output: TensorView?, outputBias: TensorView? = nil
  ) {
    self.tokenEmbedding = tokenEmbedding
    self.layers = layers
    self.outputNorm = outputNorm
    self.outputNormBias = outputNormBias
    self.output = output ?? tokenEmbedding
    self.outputBias = outputBias
  }

  /// Whether the output projection is the token embedding.
  public var isOutputTied: Bool { output.name == tokenEmbedding.name }
}
