public import Formats

/// The `tokenizer.*` GGUF metadata of a Hugging Face model folder, as llama.cpp's
/// `convert_hf_to_gguf.py` writes it.
///
/// ```swift
/// let metadata = try TokenizerMetadata(huggingFace: folder, architecture: "llama")
/// for (key, value) in metadata.entries { try writer.add(key, value) }
/// ```
///
/// Entries are in the converter's order. Byte-level BPE (`tokenizer.json`, model `gpt2`):
/// `model`, `pre`, `tokens`, `token_type`, `merges`; SentencePiece (`tokenizer.model`, model
/// `llama`, pre `default`): `model`, `pre`, `tokens`, `scores`, `token_type`; then what gguf-py's
/// `SpecialVocab` finds: special token ids, `add_bos_token`/`add_eos_token`/`add_sep_token`,
/// `tokenizer.chat_template`, normalizer flags.
public struct TokenizerMetadata: Sendable {
  /// Key/value pairs in the order the converter adds them.
  public private(set) var entries: [(key: String, value: GGUFValue)] = []

  /// Builds empty metadata.
  public init() {}

  /// The value of `key`, if present.
  public subscript(key: String) -> GGUFValue? {
    entries.first { $0.key == key }?.value
  }

  /// Sets `key`; an existing key keeps its place and takes the new value (the converter's
  /// writer is a dictionary).
  public mutating func set(_ key: String, _ value: GGUFValue) {
    if let index = entries.firstIndex(where: { $0.key == key }) {
      entries[index].value = value
    } else {
      entries.append((key, value))
    }
  }

  /// Removes `key` if present.
  public mutating func remove(_ key: String) {
    entries.removeAll { $0.key == key }
  }

  /// Sets a string array; an empty list adds nothing, as gguf-py's `add_array`.
  mutating func setStrings(_ key: String, _ values: [String]) {
    guard !values.isEmpty else { return }
    set(key, .array(.string, values.map { .string($0) }))
  }
}
