/// The Unicode classes the pre-tokenizer regexes ask about (`\p{L}`, `\p{N}`, `\s`, …), for one
/// code point.
///
/// Derived from the Swift runtime's Unicode tables (general category and `White_Space`), as
/// llama.cpp derives its `unicode_cpt_flags` from Python's `unicodedata`. Code points assigned
/// in a newer Unicode version than one of the two tables knows may classify differently.
struct CodepointClass: Equatable, Sendable {
  /// `\p{L}`.
  var isLetter = false
  /// `\p{N}`.
  var isNumber = false
  /// `\p{P}`.
  var isPunctuation = false
  /// `\p{S}`.
  var isSymbol = false
  /// `\p{M}`.
  var isMark = false
  /// `\s`: the `White_Space` property.
  var isWhitespace = false
  /// False only past the end of the text (llama.cpp's empty flags); every code point, even an
  /// unassigned one, has some class.
  var exists = false

  /// No code point: what the matchers see past the end of a span.
  static let none = CodepointClass()

  init() {}

  init(_ scalar: Unicode.Scalar) {
    exists = true
    isWhitespace = scalar.properties.isWhitespace
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
      isLetter = true
    case .decimalNumber, .letterNumber, .otherNumber:
      isNumber = true
    case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
      .initialPunctuation, .finalPunctuation, .otherPunctuation:
      isPunctuation = true
    case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
      isSymbol = true
    case .nonspacingMark, .spacingMark, .enclosingMark:
      isMark = true
    default:
      break
    }
  }

  /// Neither whitespace, letter nor number: `[^\s\p{L}\p{N}]`.
  var isOther: Bool { exists && !isWhitespace && !isLetter && !isNumber }
}
