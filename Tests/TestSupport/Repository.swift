public import Formats
import Foundation

/// Paths inside the repository the tests run from, and its recorded references.
public enum Repository {
  /// The repository root, found from this file's path (`Tests/TestSupport/…`).
  public static let root: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()

  /// `fixtures/<relative>` in the repository.
  public static func fixture(_ relative: String) -> String { "\(root)/fixtures/\(relative)" }

  /// The committed JSON file `fixtures/<relative>` (a recorded reference), parsed by json-c
  /// with the number texts kept (`%.9g` logits read back exactly).
  public static func recordedJSON(_ relative: String) throws -> JSONValue {
    let path = fixture(relative)
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return try JSONValue.parse(text, path: path)
  }
}

extension Repository {
  /// The JSON document at `path` (any path), parsed by json-c; `nil` if it cannot be read.
  public static func json(at path: String) -> JSONValue? {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
    return try? JSONValue.parse(text, path: path)
  }
}
