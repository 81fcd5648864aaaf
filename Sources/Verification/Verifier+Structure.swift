import Formats
import Models
import Patching
import RoPE
import Tensors

typealias Check = VerificationReport.Check

extension Verifier {
  /// `file`: everything `spindle validate` checks of the file's structure (the original's too).
  func fileCheck(_ patched: OpenedCheckpoint, original: OpenedCheckpoint?) -> Check {
    var problems: [String] = []
    for opened in [patched] + (original.map { [$0] } ?? []) {
      if let error = opened.openError { problems.append(error.description) }
      problems += opened.checkpoint?.problems.map(\.description) ?? []
    }
    guard let checkpoint = patched.checkpoint else {
      return Check(
        name: "file", status: .fail, figure: "unreadable",
        message: "the file does not open: \(patched.openError?.message ?? "")", details: problems)
    }
    let figure =
      "\(checkpoint.layout.rawValue), \(checkpoint.tensors.count) tensors,"
      + " \(checkpoint.metadata.count) metadata entries"
    guard problems.isEmpty else {
      return Check(
        name: "file", status: .fail, figure: figure, value: Double(problems.count),
        message: "\(problems.count) problem(s), as `validate` reports them; first: \(problems[0])",
        details: problems)
    }
    return Check(
      name: "file", status: .pass, figure: figure, value: 0,
      message: "reads as the reference loaders read it (no problems)")
  }

  /// `tables`: baked RoPE tables recomputed from their record (`BakedRoPECheck`).
  func tablesCheck(_ patched: OpenedCheckpoint) -> Check {
    guard let tables = patched.tables else {
      return .skip("tables", "the file does not open")
    }
    guard tables.record != nil || tables.tableName != nil || !tables.problems.isEmpty else {
      return Check(
        name: "tables", status: .pass, figure: "none",
        message: "no baked RoPE tables (scaling from keys only)")
    }
    let problems = tables.problems.map { problem in
      problem.key.map { "\($0): \(problem.message)" } ?? problem.message
    }
    guard problems.isEmpty else {
      return Check(
        name: "tables", status: .fail, figure: "\(problems.count) problem(s)",
        value: Double(problems.count), message: problems[0], details: problems)
    }
    return Check(
      name: "tables", status: .pass, figure: "0 problems", value: 0,
      message: tables.summary ?? "matches the recomputation")
  }

  /// `scaling`: the declared scaling is complete and consistent: YaRN's original context is
  /// stated and `context = original × factor`; against an original, the original context is
  /// the original's context, the factor is their ratio, and θ and the head size are unchanged.
  func scalingCheck(_ patched: OpenedCheckpoint, original: OpenedCheckpoint?) -> Check {
    guard let checkpoint = patched.checkpoint else {
      return .skip("scaling", "the file does not open")
    }
    var problems: [String] = []
    if let missing = Self.missingOriginalContext(checkpoint) { problems.append(missing) }
    if let error = patched.sourceError { problems.append(Self.located(error)) }
    var notes = patched.source?.settings.warnings ?? []
    guard let settings = patched.settings else {
      return Check(
        name: "scaling", status: .fail, figure: "unreadable",
        message: problems.first ?? "the RoPE settings cannot be read", details: problems)
    }
    let figure = settings.summary
    if patched.sourceError == nil, case .yarn(let factor, _) = settings.scaling,
      let context = settings.contextLength, let originalLength = settings.originalContextLength,
      !RoPEScaling.isContext(context, factor: factor, original: originalLength)
    {
      problems.append(
        "the context (\(context)) is not factor × original (\(NumberText.compact(factor)) ×"
          + " \(originalLength))")
    }
    if let original, let reference = original.settings {
      problems += Self.againstOriginal(settings, reference, originalPath: original.path)
    } else if let original, original.checkpoint != nil {
      notes.append(
        "the original's RoPE settings cannot be read: \(original.sourceError?.message ?? "")")
    }
    guard problems.isEmpty else {
      return Check(
        name: "scaling", status: .fail, figure: figure, value: Double(problems.count),
        message: problems[0], details: problems + notes)
    }
    var message: String
    switch settings.scaling {
    case .none: message = "no RoPE scaling declared"
    case .yarn: message = "complete: original context stated, context = original × factor"
    default: message = "complete and consistent"
    }
    if original?.settings != nil { message += "; matches the original's context and geometry" }
    return Check(
      name: "scaling", status: .pass, figure: figure, value: 0, message: message, details: notes)
  }

  /// A YaRN scaling that states no original context: llama.cpp then takes the context length
  /// as the original (so the ramp is computed for the wrong window), transformers too.
  static func missingOriginalContext(_ checkpoint: Checkpoint) -> String? {
    switch checkpoint.source {
    case .gguf(let files):
      guard let file = files.first,
        case .string(let architecture)? = file.metadata("general.architecture")
      else { return nil }
      let p = architecture + "."
      guard case .string("yarn")? = file.metadata(p + "rope.scaling.type"),
        file.metadata(p + "rope.scaling.original_context_length") == nil
      else { return nil }
      let context = file.metadata(p + "context_length")?.integer.map(String.init) ?? "?"
      return "missing original context: YaRN is declared but"
        + " '\(p)rope.scaling.original_context_length' is absent, so llama.cpp takes the context"
        + " length (\(context)) as the original and computes the YaRN ramp for the wrong window"
    case .huggingFace(let folder):
      let config = folder.config.json
      for key in ["rope_scaling", "rope_parameters"] {
        guard let dict = config[key]?.object else { continue }
        let type = dict["rope_type"]?.string ?? dict["type"]?.string
        guard type == "yarn", dict["original_max_position_embeddings"] == nil,
          config["original_max_position_embeddings"] == nil
        else { continue }
        return "missing original context: \(key) declares YaRN without"
          + " 'original_max_position_embeddings', so transformers takes max_position_embeddings"
          + " (\(config["max_position_embeddings"]?.number?.text ?? "?")) as the original"
      }
      return nil
    default:
      return nil
    }
  }

  /// The patched settings against the original model's.
  static func againstOriginal(
    _ patched: RoPESettings, _ original: RoPESettings, originalPath: String
  ) -> [String] {
    var problems: [String] = []
    guard let originalContext = original.contextLength else { return [] }
    if let base = patched.base, let originalBase = original.base,
      Float(base) != Float(originalBase)
    {
      problems.append(
        "rope_theta changed: \(NumberText.compact(base)) here, \(NumberText.compact(originalBase))"
          + " in the original")
    }
    if let dimension = patched.rotaryConfiguration?.rotaryDimension,
      let originalDimension = original.rotaryConfiguration?.rotaryDimension,
      dimension != originalDimension
    {
      problems.append(
        "the rotary dimensions changed: \(dimension) here, \(originalDimension) in the original")
    }
    switch patched.scaling {
    case .none, .dynamicNTK, .dynamicYaRN, .longRoPE, .ntkAware:
      return problems
    case .yarn, .linear, .llama3:
      break
    }
    guard let factor = patched.factor, let context = patched.contextLength else {
      return problems
    }
    // An original that is itself scaled was trained with its own original window.
    let trained =
      original.scaling == .none
      ? originalContext : (original.originalContextLength ?? originalContext)
    if let stated = patched.originalContextLength, stated != trained {
      problems.append(
        "the original context is stated as \(stated), but the original model"
          + " (\(originalPath)) has a context of \(trained)")
    }
    let expected = Double(trained) * factor
    if (expected - Double(context)).magnitude >= 1 {
      problems.append(
        "wrong factor: the context grew from \(trained) to \(context)"
          + " (×\(NumberText.compact(Double(context) / Double(trained)))) but the declared factor"
          + " is \(NumberText.compact(factor))")
    }
    return problems
  }

  static func located(_ error: PatchError) -> String {
    error.key.map { "\($0): \(error.message)" } ?? error.message
  }
}
