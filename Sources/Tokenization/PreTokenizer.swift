/// How text is cut into words before byte-pair merging: llama.cpp's `regex_exprs` for a
/// `tokenizer.ggml.pre` name, or a Hugging Face `pre_tokenizer` built from the same rules.
///
/// Each rule cuts every span the previous rules left, as llama.cpp's `unicode_regex_split`
/// does: the regex rules keep the text between matches as spans of their own, the GPT-2, llama3
/// and qwen2 rules are llama.cpp's hand-written matchers for those regexes (every code point
/// ends up in some word).
public struct PreTokenizer: Hashable, Sendable {
  /// One splitting pass.
  public enum Rule: Hashable, Sendable, CaseIterable {
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    case gpt2
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|`
    /// ` ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
    case llama3
    /// The llama3 rule with `\p{N}` (one digit) in place of `\p{N}{1,3}`.
    case qwen2
    /// `\p{N}`: every number code point alone (HF `Digits(individual_digits: true)`).
    case eachNumber
    /// `\p{N}+` (HF `Digits(individual_digits: false)`).
    case numberRuns
    /// `[0-9][0-9][0-9]`.
    case asciiDigitTriples
    /// `[\p{P}\$\+<=>\^~\|]+`.
    case punctuationRuns
  }

  /// The passes, in order.
  public var rules: [Rule]
  /// Whether words are written in the GPT-2 byte alphabet before merging (byte-level BPE).
  public var byteLevel: Bool
  /// Whether a space is put before text that does not start with one (HF `add_prefix_space`).
  public var addPrefixSpace: Bool

  public init(rules: [Rule], byteLevel: Bool = true, addPrefixSpace: Bool = false) {
    self.rules = rules
    self.byteLevel = byteLevel
    self.addPrefixSpace = addPrefixSpace
  }

  /// GPT-2's.
  public static let gpt2 = PreTokenizer(rules: [.gpt2])
  /// Llama 3's (`llama-bpe`).
  public static let llama3 = PreTokenizer(rules: [.llama3])
  /// Qwen2's.
  public static let qwen2 = PreTokenizer(rules: [.qwen2])
  /// SmolLM's (and StarCoder's): digits alone, then GPT-2's.
  public static let smolLM = PreTokenizer(rules: [.eachNumber, .gpt2])
  /// llama.cpp's fallback for a BPE vocabulary with no or `default` pre-tokenizer name.
  public static let llamaCppDefault = PreTokenizer(rules: [
    .punctuationRuns, .gpt2, .numberRuns, .asciiDigitTriples,
  ])

  /// The pre-tokenizer llama.cpp uses for a `tokenizer.ggml.pre` name.
  ///
  /// `nil` for a name not implemented here; an empty name means `default`.
  public init?(llamaCppName name: String) {
    switch name {
    case "default", "": self = .llamaCppDefault
    case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "dbrx", "smaug-bpe":
      self = .llama3
    case "qwen2", "deepseek-r1-qwen", "stablelm2", "hunyuan", "megrez": self = .qwen2
    case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b":
      self = .smolLM
    case "gpt-2", "phi-2", "mpt", "olmo", "jais", "trillion", "roberta-bpe", "jina-v1-en":
      self = .gpt2
    default: return nil
    }
  }

  /// The rule a Hugging Face `Split` regex spells, for the patterns implemented here.
  static func rule(forRegex pattern: String) -> Rule? {
    let contractions = "(?i:'s|'t|'re|'ve|'m|'ll|'d)"
    let adapted = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
    let rest =
      #"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    let qwenRest =
      #"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    switch pattern {
    case contractions + rest, adapted + rest: return .llama3
    case contractions + qwenRest, adapted + qwenRest: return .qwen2
    case #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#,
      #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)"#:
      return .gpt2
    case #"\p{N}"#: return .eachNumber
    case #"\p{N}+"#: return .numberRuns
    default: return nil
    }
  }
}
