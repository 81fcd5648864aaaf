/// The two ways a checkpoint lays out a model: llama.cpp's GGUF and transformers' safetensors
/// with `config.json`.
public enum ModelFormat: String, Hashable, Sendable, CaseIterable {
  case gguf
  case huggingFace = "hf"
}
