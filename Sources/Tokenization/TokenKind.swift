/// What a vocabulary entry is, with the numbers GGUF's `tokenizer.ggml.token_type` uses.
///
/// Control, user-defined and unknown tokens are matched as whole strings in the input before
/// the model sees the text (control ones only when special tokens are parsed); byte tokens
/// (`<0x0A>`) stand for one raw byte; unused tokens decode to nothing.
public enum TokenKind: Int32, Sendable, Hashable, CaseIterable {
  /// An ordinary piece of text.
  case normal = 1
  /// The unknown-token placeholder.
  case unknown = 2
  /// A control token (`<s>`, `<|im_end|>`).
  case control = 3
  /// A token added by hand, matched literally in the input.
  case userDefined = 4
  /// A reserved slot.
  case unused = 5
  /// A byte-fallback token `<0xXX>`.
  case byte = 6

  /// Whether the encoder matches this token's text literally before running the model.
  var isMatchedLiterally: Bool { self == .control || self == .userDefined || self == .unknown }
}
