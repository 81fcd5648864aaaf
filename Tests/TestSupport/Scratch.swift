import Foundation

/// Scratch folders and file bytes for tests (fixtures are copied, never modified).
public enum Scratch {
  /// A new empty folder under the system temporary folder, named after `label`; remove it
  /// with ``cleanUp(_:)``.
  public static func folder(_ label: String = #function) throws -> String {
    let safe = label.filter { $0.isLetter || $0.isNumber }
    let path = NSTemporaryDirectory() + "spindle-\(safe)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// Copies fixture `relative` (file or folder) into `folder`; returns the copy's path.
  public static func copy(_ relative: String, into folder: String) throws -> String {
    let name = URL(fileURLWithPath: relative).lastPathComponent
    try FileManager.default.copyItem(
      atPath: Repository.fixture(relative), toPath: "\(folder)/\(name)")
    return "\(folder)/\(name)"
  }

  /// The bytes of the file at `path`.
  public static func bytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
  }

  /// Writes `bytes` to `path`.
  public static func write(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
  }

  /// Names of the entries in `folder`, sorted.
  public static func list(_ folder: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
  }

  /// Removes `folder` and everything in it.
  public static func cleanUp(_ folder: String) {
    try? FileManager.default.removeItem(atPath: folder)
  }
}
