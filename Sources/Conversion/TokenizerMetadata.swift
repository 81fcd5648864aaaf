import Formats

/// The `tokenizer.ggml.*` keys of a converted model, from the folder's `tokenizer.json` /
/// `tokenizer.model` / `tokenizer_config.json`.
///
/// The one place ``ConversionPlan`` takes tokenizer keys from. Their builder (vocabulary,
/// scores, token types, merges, `pre` by llama.cpp's hash, special ids, chat template) is
/// separate work; until it lands the converted file carries no tokenizer keys.
enum TokenizerMetadata {
  /// The tokenizer keys for the folder at `folder`, in the order they are written.
  static func entries(folder: String) -> [(key: String, value: GGUFValue)] {
    []
  }
}
