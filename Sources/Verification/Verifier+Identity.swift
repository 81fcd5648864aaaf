import Formats
import Models
import Patching

extension Verifier {
  /// What makes the original another model than the one this file was patched from.
  ///
  /// A different architecture, another tensor count (tables aside), a tensor only one of them
  /// has, or a tensor of another shape. Empty when they may be the same model, or when the
  /// two are in different formats (tensor names are compared within one format).
  static func modelDifferences(_ mine: Checkpoint, _ theirs: Checkpoint) -> [String] {
    guard family(mine.layout) == family(theirs.layout) else { return [] }
    var differences: [String] = []
    if let a = architecture(mine), let b = architecture(theirs), a != b {
      differences.append("architecture \(a) here, \(b) in the original")
    }
    let tables = Self.ropeTableNames
    let ours = mine.tensors.filter { !tables.contains($0.name) }
    let originals = theirs.tensors.filter { !tables.contains($0.name) }
    if ours.count != originals.count {
      differences.append(
        "\(ours.count) tensors here, \(originals.count) in the original (RoPE tables aside)")
    }
    let byName = Dictionary(originals.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    let names = Set(ours.map(\.name))
    if let entry = ours.first(where: { byName[$0.name] == nil }) {
      differences.append("'\(entry.name)' is here and not in the original")
    } else if let entry = originals.first(where: { !names.contains($0.name) }) {
      differences.append("'\(entry.name)' is in the original and not here")
    }
    if let entry = ours.first(where: { entry in
      byName[entry.name].map { $0.shape != entry.shape } ?? false
    }) {
      let shape = byName[entry.name]?.shape ?? []
      differences.append(
        "'\(entry.name)' is \(entry.shape) here, \(shape) in the original")
    }
    return differences
  }

  /// The report when `--against` names another model: the file check, then one failing
  /// `changes` check naming what differs; nothing else is compared.
  func differentModelsReport(
    _ patched: OpenedCheckpoint, _ original: OpenedCheckpoint, differences: [String]
  ) -> VerificationReport {
    var data = JSONObject()
    data["different_models"] = .bool(true)
    data["differences"] = .array(differences.map { .string($0) })
    let changes = Check(
      name: "changes", status: .fail, figure: "different models",
      value: Double(differences.count),
      message:
        "\(path) and \(original.path) are different models: \(differences.joined(separator: "; "))."
        + " Give --against the model this file was patched from; nothing else was compared",
      data: data)
    var settings = options.json
    settings["spindle_version"] = .string(SpindleVersion.current)
    return VerificationReport(
      path: path, against: options.against,
      checks: [fileCheck(patched, original: original), changes], settings: settings)
  }

  /// `general.architecture` of a GGUF, `model_type` of a Hugging Face folder's config.json.
  static func architecture(_ checkpoint: Checkpoint) -> String? {
    switch checkpoint.source {
    case .gguf(let files): files.first?.metadata("general.architecture")?.string
    case .huggingFace(let folder): folder.config.json["model_type"]?.string
    default: nil
    }
  }
}
