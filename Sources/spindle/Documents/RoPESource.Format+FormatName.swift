import Patching

extension RoPESource.Format {
  /// The source's `format` in `--json` documents, in ``Checkpoint/Layout/formatName``'s
  /// vocabulary, plus `hf-config` for a config.json named directly.
  var formatName: String {
    switch self {
    case .gguf: "gguf"
    case .safetensors: "safetensors"
    case .huggingFace: "hf-folder"
    case .config: "hf-config"
    }
  }
}
