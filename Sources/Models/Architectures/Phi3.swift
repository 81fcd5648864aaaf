import Inference

extension Architecture {
  /// Phi-3: fused `qkv_proj` (`[Q; K; V]` rows) and `gate_up_proj` (`[gate; up]`, which GGUF
  /// keeps fused as `ffn_up`), NeoX rotation, LongRoPE with `long_factor`/`short_factor` in
  /// config.json and `rope_factors_long`/`rope_factors_short` tensors in GGUF.
  ///
  /// Sources: `Phi3MiniModel` in `convert_hf_to_gguf.py` (`set_gguf_parameters`,
  /// `generate_extra_tensors`), `llama_model_phi3` (`create_tensor_qkv` accepts fused or
  /// separate q/k/v; `ffn_up` is `{n_embd, 2·n_ff}`), transformers' `Phi3Config`
  /// (`rms_norm_eps` 1e-5) and `Phi3MLP` (`gate, up = gate_up.chunk(2)`).
  public static let phi3 = Architecture(
    ggufName: "phi3", huggingFaceModelTypes: ["phi3"],
    huggingFaceArchitectures: ["Phi3ForCausalLM"],
    hyperparameters: llamaFamilyHyperparameters(normEpsilon: 1e-5),
    tensors: llamaFamilyModelTensors
      + [
        StoredTensor(
          [.ropeFactorsLong], gguf: "rope_factors_long.weight", huggingFace: nil, .optional),
        StoredTensor(
          [.ropeFactorsShort], gguf: "rope_factors_short.weight", huggingFace: nil, .optional),
        StoredTensor(
          [.query, .key, .value], gguf: "attn_qkv.weight", huggingFace: "self_attn.qkv_proj.weight",
          .alternative),
      ]
      + llamaFamilyAttention(permuted: false, presence: .alternative)
      + [
        StoredTensor(
          [.feedForwardNorm], gguf: "ffn_norm.weight",
          huggingFace: "post_attention_layernorm.weight"),
        StoredTensor([.gate, .up], gguf: "ffn_up.weight", huggingFace: "mlp.gate_up_proj.weight"),
        StoredTensor([.down], gguf: "ffn_down.weight", huggingFace: "mlp.down_proj.weight"),
      ],
    ggufRotaryLayout: .halves,
    // llama.cpp's phi3 graph scales Q by 1/√d before attention (kq_scale 1).
    recipe: BlockRecipe(attentionScaling: .queries), ropeTables: [.longShortFactors],
    // "Phi SWA is currently disabled": n_swa = 0, swa_type none (llama.cpp PR #13676).
    slidingWindow: SlidingWindowKeys(
      gguf: "attention.sliding_window", huggingFace: "sliding_window",
      llamaCppDisabledAt: "src/models/phi3.cpp L13-23"))
}
