import Foundation

/// The texts `eval-context` scores when given no `--text`: six books of the King James
/// Version that `make eval-texts` (scripts/eval-texts.sh) renders from Debian's bible-kjv
/// packages into `$SPINDLE_TEXTS/kjv`, else `$XDG_CACHE_HOME/spindle/texts/kjv`, else
/// `~/.cache/spindle/texts/kjv`, with a MANIFEST citing the packages and each file's SHA-256.
enum DefaultTexts {
  static var folder: String {
    let environment = ProcessInfo.processInfo.environment
    if let folder = environment["SPINDLE_TEXTS"], !folder.isEmpty { return folder + "/kjv" }
    let cache =
      environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
      ?? (NSHomeDirectory() + "/.cache")
    return cache + "/spindle/texts/kjv"
  }

  /// The text files, sorted, and the MANIFEST's citation (its first two lines).
  static func load() throws -> (paths: [String], citation: String) {
    let folder = self.folder
    guard let manifest = try? String(contentsOfFile: folder + "/MANIFEST", encoding: .utf8) else {
      throw CommandFailure(
        "no --text given and the default texts are not in \(folder): run `make eval-texts`"
          + " (six books of the King James Version from Debian's bible-kjv-text), or give"
          + " --text FILE")
    }
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
      .filter { $0.hasSuffix(".txt") }.sorted()
    guard !names.isEmpty else {
      throw CommandFailure("\(folder) holds no .txt files; run `make eval-texts` again")
    }
    let citation = manifest.split(separator: "\n").prefix(2).joined(separator: " ")
    return (names.map { folder + "/" + $0 }, citation)
  }
}
