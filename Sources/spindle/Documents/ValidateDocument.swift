/// `spindle validate --json`: the verdict and every problem found.
///
/// `passed` is the verdict's name in every command (`verify` too; Spindle 0.1.0 wrote
/// `valid` here).
struct ValidateDocument: Encodable {
  var path: String
  var passed: Bool
  /// The layout read (`GGUF`, `safetensors`, …), `null` when the file does not open.
  var format: String?
  var problems: [ProblemDocument]
  /// Baked RoPE tables that do not match their spindle.rope record.
  var ropeTableProblems: [ProblemDocument]
}
