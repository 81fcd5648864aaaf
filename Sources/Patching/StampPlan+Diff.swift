import Formats

extension StampPlan {
  /// The exact change, for `--dry-run`: a unified diff of config.json's lines for a
  /// Hugging Face folder; for files, one `-`/`+` line per metadata key (`key: TYPE value`).
  ///
  /// Empty when nothing changes.
  public var diff: String {
    guard !isEmpty else { return "" }
    var output = keyDiff
    for change in tensorChanges { output += change.summary + "\n" }
    for shard in shardChanges {
      output += "\(shard.file.path):\n"
      let old = shard.file.metadata ?? []
      for entry in old where !(shard.metadata ?? []).contains(where: { $0 == entry }) {
        output += "-__metadata__ \(entry.key): \(Self.quoted(entry.value))\n"
      }
      for entry in shard.metadata ?? [] where !old.contains(where: { $0 == entry }) {
        output += "+__metadata__ \(entry.key): \(Self.quoted(entry.value))\n"
      }
      for change in shard.tensorChanges { output += change.summary + "\n" }
    }
    if indexReplacement != nil { output += "~ \(SafetensorsIndex.fileName): weight_map\n" }
    return output
  }

  private var keyDiff: String {
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
