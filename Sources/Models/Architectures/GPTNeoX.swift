import Inference

extension Architecture {
  /// GPT-NeoX (Pythia, RedPajama-INCITE): LayerNorm with bias, parallel residual, partial
  /// NeoX rotation, a GELU network without gate, every projection biased, and a fused
  /// `query_key_value` interleaved per head in transformers (`[h][q,k,v][d]`) that the
  /// converter reorders to `[Q; K; V]` in GGUF.
  ///
  /// Sources: `GPTNeoXModel` in `convert_hf_to_gguf.py` (`modify_tensors`), `llama_model_gptneox`
  /// (`use_parallel_residual` and `attention.layer_norm_epsilon` required, `output` required),
  /// transformers' `GPTNeoXConfig` (`rotary_pct` 0.25 — `partial_rotary_factor` in
  /// transformers 5 —, `layer_norm_eps` 1e-5, `use_parallel_residual` true, `hidden_act` gelu,
  /// `tie_word_embeddings` false).
  public static let gptNeoX = Architecture(
    ggufName: "gptneox", huggingFaceModelTypes: ["gpt_neox"],
    huggingFaceArchitectures: ["GPTNeoXForCausalLM"], huggingFaceLayerPrefix: "gpt_neox.layers.",
    hyperparameters: [
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
        huggingFace: nil),
      HyperparameterKey(
        .headDimension, gguf: .init("attention.key_length", .uint32, .derived), huggingFace: nil),
      HyperparameterKey(
        .normEpsilon, gguf: .init("attention.layer_norm_epsilon", .float32),
        huggingFace: .init(["layer_norm_eps"], .number, .value(.number(1e-5)))),
      HyperparameterKey(
        .vocabularySize, gguf: .init("vocab_size", .uint32, .derived),
        huggingFace: .init(["vocab_size"], .integer, .derived)),
      HyperparameterKey(
        .contextLength, gguf: .init("context_length", .uint32),
        huggingFace: .init(["max_position_embeddings"], .integer)),
      HyperparameterKey(
        .rotaryDimension, gguf: .init("rope.dimension_count", .uint32, .derived),
        huggingFace: .init(
          ["rotary_pct", "partial_rotary_factor"], .number, .value(.number(0.25)),
          meaning: .fractionOfHeadDimension)),
      HyperparameterKey(
        .parallelResidual, gguf: .init("use_parallel_residual", .bool),
        huggingFace: .init(["use_parallel_residual"], .bool, .value(.bool(true)))),
      HyperparameterKey(
        .tiedEmbeddings, gguf: nil,
        huggingFace: .init(["tie_word_embeddings"], .bool, .value(.bool(false)))),
      HyperparameterKey(
        .activation, gguf: nil, huggingFace: .init(["hidden_act"], .string, .value(.string("gelu")))
      ),
    ],
    tensors: [
      StoredTensor(
        [.tokenEmbedding], gguf: "token_embd.weight", huggingFace: "gpt_neox.embed_in.weight"),
      StoredTensor(
        [.outputNorm], gguf: "output_norm.weight", huggingFace: "gpt_neox.final_layer_norm.weight"),
      StoredTensor(
        [.outputNormBias], gguf: "output_norm.bias", huggingFace: "gpt_neox.final_layer_norm.bias"),
      StoredTensor([.output], gguf: "output.weight", huggingFace: "embed_out.weight"),
      StoredTensor(
        [.attentionNorm], gguf: "attn_norm.weight", huggingFace: "input_layernorm.weight"),
      StoredTensor(
        [.attentionNormBias], gguf: "attn_norm.bias", huggingFace: "input_layernorm.bias"),
      StoredTensor(
        [.query, .key, .value], gguf: "attn_qkv.weight",
        huggingFace: "attention.query_key_value.weight", huggingFaceArrangement: .perHead),
      StoredTensor(
        [.queryBias, .keyBias, .valueBias], gguf: "attn_qkv.bias",
        huggingFace: "attention.query_key_value.bias", huggingFaceArrangement: .perHead),
      StoredTensor(
        [.attentionOutput], gguf: "attn_output.weight", huggingFace: "attention.dense.weight"),
      StoredTensor(
        [.attentionOutputBias], gguf: "attn_output.bias", huggingFace: "attention.dense.bias"),
      StoredTensor(
        [.feedForwardNorm], gguf: "ffn_norm.weight", huggingFace: "post_attention_layernorm.weight"),
      StoredTensor(
        [.feedForwardNormBias], gguf: "ffn_norm.bias", huggingFace: "post_attention_layernorm.bias"),
      StoredTensor([.up], gguf: "ffn_up.weight", huggingFace: "mlp.dense_h_to_4h.weight"),
      StoredTensor([.upBias], gguf: "ffn_up.bias", huggingFace: "mlp.dense_h_to_4h.bias"),
      StoredTensor([.down], gguf: "ffn_down.weight", huggingFace: "mlp.dense_4h_to_h.weight"),
      StoredTensor([.downBias], gguf: "ffn_down.bias", huggingFace: "mlp.dense_4h_to_h.bias"),
    ],
    ggufRotaryLayout: .halves,
    recipe: BlockRecipe(normalization: .layer, feedForward: .gelu(.erf), residual: .parallel))
}
