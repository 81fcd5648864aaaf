/// The pieces llama-family descriptions share: llama.cpp's `llm_build_llama`-style blocks
/// (RMSNorm, attention, SwiGLU) under transformers' `model.layers.N.` names.
extension Architecture {
  /// The hyperparameter map of llama, qwen2, qwen3 and phi3 (`LlamaConfig` and its cousins).
  ///
  /// - Parameter normEpsilon: the config class's `rms_norm_eps` default.
  static func llamaFamilyHyperparameters(normEpsilon: Double) -> [HyperparameterKey] {
    [
      HyperparameterKey(
        .layerCount, gguf: .init("block_count", .uint32),
        huggingFace: .init(["num_hidden_layers"], .integer)),
      HyperparameterKey(
        .embeddingLength, gguf: .init("embedding_length", .uint32),
        huggingFace: .init(["hidden_size"], .integer)),
      HyperparameterKey(
        .feedForwardLength, gguf: .init("feed_forward_length", .uint32),
        huggingFace: .init(["intermediate_size"], .integer)),
      HyperparameterKey(
        .headCount, gguf: .init("attention.head_count", .uint32),
        huggingFace: .init(["num_attention_heads"], .integer)),
      HyperparameterKey(
        .keyValueHeadCount, gguf: .init("attention.head_count_kv", .uint32, .derived),
        huggingFace: .init(["num_key_value_heads"], .integer, .derived)),
      HyperparameterKey(
        .headDimension, gguf: .init("attention.key_length", .uint32, .derived),
        huggingFace: .init(["head_dim"], .integer, .derived)),
      HyperparameterKey(
        .normEpsilon, gguf: .init("attention.layer_norm_rms_epsilon", .float32),
        huggingFace: .init(["rms_norm_eps"], .number, .value(.number(normEpsilon)))),
      HyperparameterKey(
        .vocabularySize, gguf: .init("vocab_size", .uint32, .derived),
        huggingFace: .init(["vocab_size"], .integer, .derived)),
      HyperparameterKey(
        .contextLength, gguf: .init("context_length", .uint32),
        huggingFace: .init(["max_position_embeddings"], .integer)),
      HyperparameterKey(
        .rotaryDimension, gguf: .init("rope.dimension_count", .uint32, .derived),
        huggingFace: .init(
          ["partial_rotary_factor"], .number, .derived, meaning: .fractionOfHeadDimension)),
      HyperparameterKey(
        .tiedEmbeddings, gguf: nil,
        huggingFace: .init(["tie_word_embeddings"], .bool, .value(.bool(false)))),
    ]
  }

  /// Token embedding, final norm and the output projection (absent when tied).
  static let llamaFamilyModelTensors: [StoredTensor] = [
    StoredTensor(
      [.tokenEmbedding], gguf: "token_embd.weight", huggingFace: "model.embed_tokens.weight"),
    StoredTensor([.outputNorm], gguf: "output_norm.weight", huggingFace: "model.norm.weight"),
    StoredTensor([.output], gguf: "output.weight", huggingFace: "lm_head.weight", .optional),
  ]

  /// Separate q/k/v projections (the alternative to a fused `attn_qkv`), their optional
  /// biases, and the output projection; `permuted` marks llama.cpp's Q/K row permutation.
  static func llamaFamilyAttention(permuted: Bool, presence: StoredTensor.Presence = .required)
    -> [StoredTensor]
  {
    let rope: StoredTensor.Arrangement = permuted ? .ropePermuted : .stacked
    return [
      StoredTensor(
        [.attentionNorm], gguf: "attn_norm.weight", huggingFace: "input_layernorm.weight"),
      StoredTensor(
        [.query], gguf: "attn_q.weight", huggingFace: "self_attn.q_proj.weight", presence,
        ggufArrangement: rope),
      StoredTensor(
        [.key], gguf: "attn_k.weight", huggingFace: "self_attn.k_proj.weight", presence,
        ggufArrangement: rope),
      StoredTensor(
        [.value], gguf: "attn_v.weight", huggingFace: "self_attn.v_proj.weight", presence),
      StoredTensor(
        [.queryBias], gguf: "attn_q.bias", huggingFace: "self_attn.q_proj.bias", .optional,
        ggufArrangement: rope),
      StoredTensor(
        [.keyBias], gguf: "attn_k.bias", huggingFace: "self_attn.k_proj.bias", .optional,
        ggufArrangement: rope),
      StoredTensor(
        [.valueBias], gguf: "attn_v.bias", huggingFace: "self_attn.v_proj.bias", .optional),
      StoredTensor(
        [.attentionOutput], gguf: "attn_output.weight", huggingFace: "self_attn.o_proj.weight"),
      StoredTensor(
        [.attentionOutputBias], gguf: "attn_output.bias", huggingFace: "self_attn.o_proj.bias",
        .optional),
    ]
  }

  /// The SwiGLU feed-forward network with separate gate and up projections.
  static let llamaFamilyFeedForward: [StoredTensor] = [
    StoredTensor(
      [.feedForwardNorm], gguf: "ffn_norm.weight", huggingFace: "post_attention_layernorm.weight"),
    StoredTensor([.gate], gguf: "ffn_gate.weight", huggingFace: "mlp.gate_proj.weight"),
    StoredTensor([.up], gguf: "ffn_up.weight", huggingFace: "mlp.up_proj.weight"),
    StoredTensor([.down], gguf: "ffn_down.weight", huggingFace: "mlp.down_proj.weight"),
  ]
}
