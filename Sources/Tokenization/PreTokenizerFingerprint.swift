/// llama.cpp's converter's way of naming a byte-level BPE pre-tokenizer
/// (`get_vocab_base_pre`): the ids a tokenizer gives for a fixed check text, hashed and looked
/// up in a table of known tokenizers.
///
/// The ids come from Spindle's own encoder with the tokenizer's prefix/suffix tokens added, as
/// `tokenizer.encode(chktxt)` adds them in `transformers`; the hash is SHA-256 of Python's
/// `str()` of the id list (`[1, 2, 3]`).
public enum PreTokenizerFingerprint {
  /// The SHA-256 hex digest the converter computes for `tokenizer`.
  public static func hash(of tokenizer: Tokenizer) -> String {
    let ids = tokenizer.encode(checkText, addSpecialTokens: true, parseSpecialTokens: true)
    let text = "[" + ids.map(String.init).joined(separator: ", ") + "]"
    return SHA256.hex(Array(text.utf8))
  }

  /// The `tokenizer.ggml.pre` name the converter's table gives `hash`, if it has one.
  public static func name(forHash hash: String) -> String? { names[hash] }

  /// Every name the table gives, sorted.
  public static var knownNames: [String] { Array(Set(names.values)).sorted() }
}
