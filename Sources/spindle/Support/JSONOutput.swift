import Formats

/// Prints `--json` documents: an `Encodable` value through ``JSONValueEncoder`` (snake_case
/// names, absent values as `null`) and json-c, the same way for every command.
enum JSONOutput {
  static func print<Document: Encodable>(
    _ document: Document, style: JSONValue.Style = .pretty
  ) throws {
    Swift.print(try JSONValueEncoder().encode(document).serialized(style))
  }
}
