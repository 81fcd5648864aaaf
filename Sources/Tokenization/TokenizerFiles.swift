import Formats

/// The JSON files of a Hugging Face tokenizer folder, each parsed at most once and shared by
/// the readers of one conversion (``TokenizerMetadata``, ``Tokenizer``, `SpecialVocabulary`).
///
/// `tokenizer.json` runs to megabytes (SmolLM2's: 3.5 MB, 49 k tokens and merges); parsing it
/// once instead of once per reader is most of a small model's conversion time. A file is read
/// when first asked for, so errors come in the order the readers meet them; a file that is
/// absent is remembered as absent. Only successful reads are kept.
final class TokenizerFiles {
  private var parsed: [String: JSONValue?] = [:]

  /// The parsed JSON file at `path`; `nil` when it does not exist and is not `required`.
  func json(_ path: String, required: Bool) throws(TokenizerError) -> JSONValue? {
    if let known = parsed[path], known != nil || !required { return known }
    let value = try Tokenizer.readJSON(path, required: required)
    parsed[path] = .some(value)
    return value
  }
}
