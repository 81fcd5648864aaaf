import Formats
import Foundation
import TestSupport
import Testing

/// Names read from files are data: a shard name in a sharded index's `weight_map` never
/// opens a path outside the model's folder, and tensor names and keys with `../`, NUL,
/// control characters or 64 KiB of text are refused or printed escaped and cut.
@Suite("Hostile names")
struct HostileNameTests {
  /// A safetensors file holding F32 tensors of one element each, named `names`.
  static func safetensors(_ names: [String]) throws -> [UInt8] {
    var header: [String: Any] = [:]
    for (index, name) in names.enumerated() {
      header[name] = ["dtype": "F32", "shape": [1], "data_offsets": [4 * index, 4 * index + 4]]
    }
    var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
    while json.count % 8 != 0 { json.append(0x20) }
    var bytes = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) }
    bytes += json
    bytes += [UInt8](repeating: 0, count: 4 * names.count)
    return bytes
  }

  static let longName = String(repeating: "n", count: 65_536)

  @Test(arguments: [
    ("../outside.safetensors", "it leaves the folder with '..'"),
    ("sub/../../outside.safetensors", "it leaves the folder with '..'"),
    ("/tmp/outside.safetensors", "an absolute path"),
    ("model\u{0}.safetensors", "a control character"),
    ("model\u{1b}[2J.safetensors", "a control character"),
    ("model\n.safetensors", "a control character"),
    ("", "empty"),
    (String(repeating: "d/", count: 2100) + "m.safetensors", "4213 bytes long, the limit is 4096"),
    (String(repeating: "m", count: 300) + ".safetensors", "a path component over 255 bytes"),
  ])
  func indexShardNamesStayInTheFolder(shard: String, reason: String) throws {
    let root = try Scratch.folder()
    defer { Scratch.cleanUp(root) }
    // A real checkpoint beside the model folder: the name must not reach it.
    try Scratch.write(try Self.safetensors(["w"]), to: "\(root)/outside.safetensors")
    let folder = "\(root)/model"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
    try Scratch.write(try Self.safetensors(["w"]), to: "\(folder)/model.safetensors")
    let index = try JSONSerialization.data(
      withJSONObject: ["metadata": ["total_size": 4], "weight_map": ["w": shard]])
    try index.write(to: URL(fileURLWithPath: "\(folder)/model.safetensors.index.json"))
    for command in [["validate", folder], ["inspect", folder]] {
      let result = try SpindleProcess.run(command)
      #expect(result.status == 1, "\(command)")
      let shown = Self.quoted(shard)
      #expect(
        result.stdout.contains(
          "weight_map entry for \"w\" names \(shown) (\(reason)), expected a file name inside the"
            + " index's folder [invalidIndex]")
          || result.stderr.contains(
            "weight_map entry for \"w\" names \(shown) (\(reason)), expected a file name inside"
              + " the index's folder [invalidIndex]"),
        "\(command): \(result.stdout)\(result.stderr)")
      #expect(
        !(result.stdout + result.stderr).unicodeScalars.contains { $0 == "\u{1b}" || $0 == "\u{0}" }
      )
      #expect(result.stdout.count + result.stderr.count < 1000)
    }
    #expect(try Scratch.list(root) == ["model", "outside.safetensors"])
  }

  /// The rendering of messages: escaped, cut after 80 characters.
  static func quoted(_ text: String) -> String {
    var result = "\""
    for (count, scalar) in text.unicodeScalars.enumerated() {
      if count == 80 { return result + "…\"" }
      switch scalar {
      case "\n": result += "\\n"
      case "\"": result += "\\\""
      default:
        result += scalar.value < 0x20 ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
      }
    }
    return result + "\""
  }

  @Test func tensorNamesArePrintedEscapedAndCut() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = "\(folder)/names.safetensors"
    try Scratch.write(
      try Self.safetensors(["../../etc/passwd", "a\u{1b}[31mred\nforged line", Self.longName]),
      to: path)
    let inspect = try SpindleProcess.run("inspect", path, "--tensors")
    #expect(inspect.status == 0, "\(inspect.stderr)")
    let lines = inspect.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 6, "\(lines.count) lines")
    #expect(lines.contains { $0.hasPrefix("  ../../etc/passwd ") })
    #expect(lines.contains { $0.hasPrefix("  a\\u{1b}[31mred\\nforged line ") })
    #expect(lines.contains { $0.hasPrefix("  …" + String(repeating: "n", count: 199) + "  F32") })
    #expect(!inspect.stdout.unicodeScalars.contains("\u{1b}"))
    #expect(lines.allSatisfy { $0.count < 300 })
    // Names are data, not paths: the file validates, and nothing was created anywhere.
    #expect(try SpindleProcess.run("validate", path).status == 0)
    #expect(try Scratch.list(folder) == ["names.safetensors"])
  }

  @Test func aNulInATensorNameIsRefused() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = "\(folder)/nul.safetensors"
    try Scratch.write(try Self.safetensors(["w\u{0}../../x", "w"]), to: path)
    let result = try SpindleProcess.run("validate", path)
    #expect(result.status == 1)
    #expect(
      result.stdout
        == "\(path) @62: the key \"w\\u{0}../../x\" holds a NUL character (\\u0000); tensor"
        + " names and keys must not: a C reader would cut this one short [invalidHeader]\n")
  }
}
