/// How a checkpoint names the tensors of a llama-family model.
public enum TensorNaming: String, Hashable, Sendable {
  /// llama.cpp's names: `token_embd.weight`, `blk.N.attn_q.weight`, `output.weight`.
  case gguf
  /// transformers' names: `model.embed_tokens.weight`, `model.layers.N.self_attn.q_proj.weight`.
  case huggingFace

  /// The role a tensor plays; per-layer roles take the layer index.
  public enum Role: String, Hashable, Sendable, CaseIterable {
    case tokenEmbedding, outputNorm, output
    case attentionNorm, query, key, value, attentionOutput
    case queryBias, keyBias, valueBias, attentionOutputBias
    case queryNorm, keyNorm
    case feedForwardNorm, gate, up, down
  }

  /// The stored name of `role` (in `layer` for per-layer roles).
  public func name(_ role: Role, layer: Int = 0) -> String {
    switch self {
    case .gguf:
      let b = "blk.\(layer)."
      switch role {
      case .tokenEmbedding: return "token_embd.weight"
      case .outputNorm: return "output_norm.weight"
      case .output: return "output.weight"
      case .attentionNorm: return b + "attn_norm.weight"
      case .query: return b + "attn_q.weight"
      case .key: return b + "attn_k.weight"
      case .value: return b + "attn_v.weight"
      case .attentionOutput: return b + "attn_output.weight"
      case .queryBias: return b + "attn_q.bias"
      case .keyBias: return b + "attn_k.bias"
      case .valueBias: return b + "attn_v.bias"
      case .attentionOutputBias: return b + "attn_output.bias"
      case .queryNorm: return b + "attn_q_norm.weight"
      case .keyNorm: return b + "attn_k_norm.weight"
      case .feedForwardNorm: return b + "ffn_norm.weight"
      case .gate: return b + "ffn_gate.weight"
      case .up: return b + "ffn_up.weight"
      case .down: return b + "ffn_down.weight"
      }
    case .huggingFace:
      let b = "model.layers.\(layer)."
      switch role {
      case .tokenEmbedding: return "model.embed_tokens.weight"
      case .outputNorm: return "model.norm.weight"
      case .output: return "lm_head.weight"
      case .attentionNorm: return b + "input_layernorm.weight"
      case .query: return b + "self_attn.q_proj.weight"
      case .key: return b + "self_attn.k_proj.weight"
      case .value: return b + "self_attn.v_proj.weight"
      case .attentionOutput: return b + "self_attn.o_proj.weight"
      case .queryBias: return b + "self_attn.q_proj.bias"
      case .keyBias: return b + "self_attn.k_proj.bias"
      case .valueBias: return b + "self_attn.v_proj.bias"
      case .attentionOutputBias: return b + "self_attn.o_proj.bias"
      case .queryNorm: return b + "self_attn.q_norm.weight"
      case .keyNorm: return b + "self_attn.k_norm.weight"
      case .feedForwardNorm: return b + "post_attention_layernorm.weight"
      case .gate: return b + "mlp.gate_proj.weight"
      case .up: return b + "mlp.up_proj.weight"
      case .down: return b + "mlp.down_proj.weight"
      }
    }
  }
}
