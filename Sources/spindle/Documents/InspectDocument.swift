import Formats

/// `spindle inspect --json`: the checkpoint's layout, files, metadata and tensor table.
///
/// `--tensors` leaves out `files` and `metadata`, `--metadata KEY` leaves out `tensors` and
/// `totals` (the members are absent, not `null`).
struct InspectDocument: Encodable {
  struct File: Encodable {
    var path: String
    var bytes: Int
    var headerBytes: Int
  }

  struct MetadataItem: Encodable {
    var source: String
    var key: String
    var type: String
    var value: JSONValue
  }

  struct Tensor: Encodable {
    var name: String
    var dtype: String
    var shape: [Int]
    var bytes: Int
    var offset: Int
    var file: String
  }

  struct Totals: Encodable {
    var tensors: Int
    var parameters: Int
    var dataBytes: Int
    var fileBytes: Int
  }

  var path: String
  var format: String
  var version: Int?
  var endianness: String
  var alignment: Int?
  var files: [File]?
  var metadata: [MetadataItem]?
  var tensors: [Tensor]?
  var totals: Totals?

  private enum CodingKeys: String, CodingKey {
    case path, format, version, endianness, alignment, files, metadata, tensors, totals
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(path, forKey: .path)
    try container.encode(format, forKey: .format)
    try container.encodeIfPresent(version, forKey: .version)
    try container.encode(endianness, forKey: .endianness)
    try container.encodeIfPresent(alignment, forKey: .alignment)
    // The deselected sections are left out, not null.
    if let files { try container.encode(files, forKey: .files) }
    if let metadata { try container.encode(metadata, forKey: .metadata) }
    if let tensors { try container.encode(tensors, forKey: .tensors) }
    if let totals { try container.encode(totals, forKey: .totals) }
  }
}
