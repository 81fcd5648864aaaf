import Foundation

/// Fixture paths and scratch folders for the Models tests (fixtures are copied, never modified).
enum ModelFixtures {
  static let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()

  static func fixture(_ relative: String) -> String { "\(repositoryRoot)/fixtures/\(relative)" }

  static func exists(_ relative: String) -> Bool {
    FileManager.default.fileExists(atPath: fixture(relative))
  }

  /// A new empty folder; remove it with `cleanUp`.
  static func folder() throws -> String {
    let path = NSTemporaryDirectory() + "spindle-models-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// Copies a fixture (file or folder) into `folder` and returns the copy's path.
  static func copy(_ relative: String, into folder: String, as name: String? = nil) throws
    -> String
  {
    let target = "\(folder)/\(name ?? URL(fileURLWithPath: relative).lastPathComponent)"
    try FileManager.default.copyItem(atPath: fixture(relative), toPath: target)
    return target
  }

  static func text(_ path: String) throws -> String {
    try String(contentsOfFile: path, encoding: .utf8)
  }

  static func write(_ text: String, to path: String) throws {
    try text.write(toFile: path, atomically: true, encoding: .utf8)
  }

  static func cleanUp(_ folder: String) {
    try? FileManager.default.removeItem(atPath: folder)
  }
}
