extension Architecture {
  /// Qwen2: the llama block with q/k/v biases and NeoX (halves) rotation in both formats.
  ///
  /// Sources: `Qwen2Model` in `convert_hf_to_gguf.py` (no permutation), `llama_model_qwen2`,
  /// transformers' `Qwen2Config` (`rms_norm_eps` 1e-6).
  public static let qwen2 = Architecture(
    ggufName: "qwen2", huggingFaceModelTypes: ["qwen2"],
    huggingFaceArchitectures: ["Qwen2ForCausalLM"],
    hyperparameters: llamaFamilyHyperparameters(normEpsilon: 1e-6),
    tensors: llamaFamilyModelTensors
      + [StoredTensor([.outputBias], gguf: "output.bias", huggingFace: "lm_head.bias", .optional)]
      + llamaFamilyAttention(permuted: false) + llamaFamilyFeedForward,
    ggufRotaryLayout: .halves)
}
