import Formats
import Foundation

/// Paths to committed fixtures and scratch folders for tests.
enum TestFiles {
  /// The repository root (two levels above this file's test target folder).
  static let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }
    return url.path
  }()

  /// `fixtures/<relative>` in the repository.
  static func fixture(_ relative: String) -> String {
    "\(repositoryRoot)/fixtures/\(relative)"
  }

  /// A new empty folder under the system temporary folder, removed by the caller with
  /// `removeItem` when done.
  static func scratchFolder(_ label: String = #function) throws -> String {
    let safe = label.filter { $0.isLetter || $0.isNumber }
    let path = NSTemporaryDirectory() + "spindle-tests-\(safe)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// Writes `bytes` to `path`.
  static func write(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
  }

  /// Reads the file at `path`.
  static func read(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
  }

  /// The JSON document at `path`, parsed by json-c; `nil` if it cannot be read.
  static func json(_ path: String) -> JSONValue? {
    guard let bytes = try? read(path) else { return nil }
    return try? bytes.withUnsafeBytes { raw throws(FormatError) in
      try JSONValue.parse(raw, path: path)
    }
  }

  /// Names of the entries in `folder`.
  static func list(_ folder: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
  }
}
