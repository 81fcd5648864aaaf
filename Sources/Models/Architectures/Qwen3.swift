extension Architecture {
  /// Qwen3: the llama block with per-head RMSNorm over queries and keys before rotation,
  /// NeoX rotation, an explicit `head_dim`.
  ///
  /// Sources: `Qwen3Model` in `convert_hf_to_gguf.py`, `llama_model_qwen3`, transformers'
  /// `Qwen3Config` (`rms_norm_eps` 1e-6).
  public static let qwen3 = Architecture(
    ggufName: "qwen3", huggingFaceModelTypes: ["qwen3"],
    huggingFaceArchitectures: ["Qwen3ForCausalLM"],
    hyperparameters: llamaFamilyHyperparameters(normEpsilon: 1e-6),
    tensors: llamaFamilyModelTensors + llamaFamilyAttention(permuted: false)
      + [
        StoredTensor(
          [.queryNorm], gguf: "attn_q_norm.weight", huggingFace: "self_attn.q_norm.weight"),
        StoredTensor(
          [.keyNorm], gguf: "attn_k_norm.weight", huggingFace: "self_attn.k_norm.weight"),
      ]
      + llamaFamilyFeedForward,
    ggufRotaryLayout: .halves)
}
