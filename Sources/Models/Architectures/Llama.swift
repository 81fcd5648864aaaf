extension Architecture {
  /// Llama (and Mistral, which llama.cpp's converter writes as `llama`): RMSNorm, SwiGLU,
  /// Q/K rows permuted for llama.cpp's adjacent-pair rotation, optional `rope_freqs`.
  ///
  /// Sources: `LlamaModel` in `convert_hf_to_gguf.py` (`permute`), `llama_model_llama` in
  /// llama.cpp (`load_arch_hparams`, `load_arch_tensors`), transformers' `LlamaConfig` and
  /// `MistralConfig` (`rms_norm_eps` 1e-6, `tie_word_embeddings` false).
  public static let llama = Architecture(
    ggufName: "llama", huggingFaceModelTypes: ["llama", "mistral"],
    huggingFaceArchitectures: ["LlamaForCausalLM", "MistralForCausalLM"],
    hyperparameters: llamaFamilyHyperparameters(normEpsilon: 1e-6),
    tensors: llamaFamilyModelTensors
      + [
        StoredTensor([.ropeFrequencies], gguf: "rope_freqs.weight", huggingFace: nil, .optional)
      ]
      + llamaFamilyAttention(permuted: true) + llamaFamilyFeedForward,
    ggufRotaryLayout: .interleaved, ropeTables: [.frequencies, .longShortFactors])
}
