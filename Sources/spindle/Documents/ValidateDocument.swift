/// `spindle validate --json`: the verdict and every problem found.
///
/// `passed` is the verdict's name in every command (`verify` too; Spindle 0.1.0 wrote
/// `valid` here).
struct ValidateDocument: Encodable {
  var path: String
  var passed: Bool
  /// The layout read (`gguf`, `safetensors`, …: ``Checkpoint/Layout/formatName``), `null`
  /// when the file does not open.
  var format: String?
  var problems: [ProblemDocument]
  /// What gguf.cpp accepts but a reader should know (strings that are not UTF-8, a data section
  /// cut inside its final padding); they do not fail validation.
  var warnings: [ProblemDocument]
  /// Baked RoPE tables that do not match their spindle.rope record.
  var ropeTableProblems: [ProblemDocument]
}
