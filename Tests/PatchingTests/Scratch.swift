import Foundation

/// Fixture paths and scratch folders (fixtures are copied, never modified).
enum Scratch {
  static let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()

  static func fixture(_ relative: String) -> String { "\(repositoryRoot)/fixtures/\(relative)" }

  /// A new empty folder; remove it with `cleanUp`.
  static func folder() throws -> String {
    let path = NSTemporaryDirectory() + "spindle-patching-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// Copies a fixture (file or folder) into `folder` and returns the copy's path.
  static func copy(_ relative: String, into folder: String) throws -> String {
    let name = URL(fileURLWithPath: relative).lastPathComponent
    try FileManager.default.copyItem(atPath: fixture(relative), toPath: "\(folder)/\(name)")
    return "\(folder)/\(name)"
  }

  static func bytes(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
  }

  static func cleanUp(_ folder: String) {
    try? FileManager.default.removeItem(atPath: folder)
  }
}
