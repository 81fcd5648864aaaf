import Formats

extension Checkpoint.Layout {
  /// The layout's `format` in every `--json` document: `gguf`, `gguf-split`, `safetensors`,
  /// `safetensors-sharded` or `hf-folder` (the text output keeps the names for people).
  var formatName: String {
    switch self {
    case .gguf: "gguf"
    case .ggufSplit: "gguf-split"
    case .safetensors: "safetensors"
    case .shardedSafetensors: "safetensors-sharded"
    case .huggingFace: "hf-folder"
    }
  }
}
