extension StampPlan {
  /// The exact change, for `--dry-run`: a unified diff of config.json's lines for a
  /// Hugging Face folder; for files, one `-`/`+` line per metadata key (`key: TYPE value`).
  ///
  /// Empty when nothing changes.
  public var diff: String {
    guard !changes.isEmpty else { return "" }
    switch target {
    case .huggingFace(let folder, let configText):
      let name = "\(folder)/config.json"
      return configText.unifiedDiff(oldName: name, newName: "\(name) (stamped)")
    case .safetensors, .gguf:
      let section = if case .safetensors = target { " __metadata__" } else { "" }
      var output = "--- \(path)\(section)\n+++ \(path)\(section) (stamped)\n"
      for change in changes {
        if let before = change.before { output += "-\(change.key): \(before)\n" }
        if let after = change.after { output += "+\(change.key): \(after)\n" }
      }
      return output
    }
  }
}
