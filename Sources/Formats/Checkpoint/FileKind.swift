/// What a file holds, told from its first bytes (see ``sniff(_:)``), named the way a person
/// would name it.
///
/// Every opener asks this first, so a page, a config or a PyTorch checkpoint passed where a
/// checkpoint belongs is named as such whatever its extension (see ``refusal(path:)``).
public enum FileKind: Sendable, Equatable {
  /// A GGUF file (magic `GGUF`).
  case gguf
  /// A safetensors file: an 8-byte little-endian header length within the 100 MB limit,
  /// then `{`.
  case safetensors
  /// A zstd frame (magic `28 b5 2f fd`).
  case zstd
  /// Zero bytes.
  case empty
  /// A Git LFS pointer (`version https://git-lfs.github.com/spec/v1`): the file itself was
  /// never downloaded.
  case gitLFSPointer
  /// An HTML page (`<!doctype html`, `<html`, `<head` or `<body` first), usually an error or
  /// login page saved in place of a download.
  case html
  /// A JSON document, named by its keys when they say which file it is.
  case json(JSONDocument)
  /// UTF-8 text that is none of the above.
  case text
  /// A zip archive holding a PyTorch checkpoint (what `torch.save` writes since 1.6).
  case pytorchZip
  /// Any other zip archive.
  case zip
  /// A pickle stream (protocol 2–5), the legacy PyTorch `.bin` / `.pt` format.
  case pytorchPickle
  /// Bytes none of the above: a damaged checkpoint, or something else. Openers read it by
  /// its extension so a damaged file still gets a located error.
  case binary

  /// The JSON files that sit next to model weights.
  public enum JSONDocument: Sendable, Equatable {
    /// A Hugging Face `config.json` (`model_type`, `architectures`).
    case modelConfig
    /// A `generation_config.json`.
    case generationConfig
    /// A `tokenizer.json` (`added_tokens`, `pre_tokenizer`).
    case tokenizer
    /// A `tokenizer_config.json` (`tokenizer_class`, `chat_template`, `added_tokens_decoder`).
    case tokenizerConfig
    /// A sharded safetensors index (`weight_map`).
    case safetensorsIndex
    /// JSON whose keys say nothing more.
    case other
  }

  /// Whether an opener reads this kind as a checkpoint (or, for ``binary``, tries to).
  public var isCheckpoint: Bool {
    switch self {
    case .gguf, .safetensors, .zstd, .binary, .json(.safetensorsIndex): true
    default: false
    }
  }

  /// What the file is, as in "this is a Hugging Face config.json".
  public var summary: String {
    switch self {
    case .gguf: "a GGUF file"
    case .safetensors: "a safetensors file"
    case .zstd: "a zstd-compressed file"
    case .empty: "an empty file (0 bytes)"
    case .gitLFSPointer: "a Git LFS pointer"
    case .html: "an HTML page"
    case .json(.modelConfig): "a Hugging Face config.json"
    case .json(.generationConfig): "a generation_config.json"
    case .json(.tokenizer): "a tokenizer.json"
    case .json(.tokenizerConfig): "a tokenizer_config.json"
    case .json(.safetensorsIndex): "a sharded safetensors index"
    case .json(.other): "a JSON file"
    case .text: "a text file"
    case .pytorchZip: "a PyTorch checkpoint (zip)"
    case .zip: "a zip archive"
    case .pytorchPickle: "a PyTorch pickle"
    case .binary: "a binary file of no known format"
    }
  }
}
