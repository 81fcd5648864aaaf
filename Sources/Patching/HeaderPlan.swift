public import Tensors

/// A metadata change to one GGUF or safetensors file, worked out before anything is
/// written: the edits, what they change, the new header bytes and how they will be written.
///
/// The data section is never re-encoded: GGUF tensor offsets are relative to the data start
/// and safetensors offsets to the end of the header, so either the new header fills exactly
/// the old span (``Strategy/inPlace``) or it is followed by the old data section copied as
/// is (``Strategy/rewrite(_:)``). The plan remembers the file's identity and old header
/// bytes; ``PatchEngine`` refuses to write if either changed.
public struct HeaderPlan: Sendable {
  /// Which format the file is.
  public enum Format: String, Sendable { case gguf = "GGUF", safetensors }

  /// How the header will be written.
  public enum Strategy: Equatable, Sendable {
    /// Only the header span `0..<dataStart` is overwritten; the data stays where it is.
    case inPlace
    /// A new file is streamed beside the old one and renamed over it; the reason says why
    /// the header did not fit.
    case rewrite(String)
  }

  public let path: String
  public let format: Format
  public let edits: [MetadataEdit]
  /// One line per change: `set llama.context_length: UINT32 2048 → 8192`.
  public let changes: [String]
  public let strategy: Strategy
  /// The file's header span as planned (`0..<dataStart`).
  public let oldHeader: [UInt8]
  /// The new header: as long as ``oldHeader`` in place; with fresh room for a rewrite.
  public let newHeader: [UInt8]
  /// The old data section, copied unchanged by a rewrite.
  public let dataRange: Range<Int>
  /// Header room left for later in-place edits after this one.
  public let roomAfter: Int
  /// The file as planned.
  public let file: MappedFile

  init(
    path: String, format: Format, edits: [MetadataEdit], changes: [String], strategy: Strategy,
    oldHeader: [UInt8], newHeader: [UInt8], dataRange: Range<Int>, roomAfter: Int,
    file: MappedFile
  ) {
    self.path = path
    self.format = format
    self.edits = edits
    self.changes = changes
    self.strategy = strategy
    self.oldHeader = oldHeader
    self.newHeader = newHeader
    self.dataRange = dataRange
    self.roomAfter = roomAfter
    self.file = file
  }

  /// Size of the file after the edit.
  public var newFileSize: Int { newHeader.count + dataRange.count }

  /// The plan as `--dry-run` prints it.
  public var description: String {
    var lines = [
      "\(path): \(format.rawValue), \(changes.count) change\(changes.count == 1 ? "" : "s")"
    ]
    lines += changes.map { "  " + $0 }
    switch strategy {
    case .inPlace:
      lines.append(
        "in place: \(newHeader.count) header bytes at 0..<\(newHeader.count) rewritten, "
          + "\(dataRange.count) data bytes untouched, \(roomAfter) bytes of room left")
    case .rewrite(let reason):
      lines.append(
        "rewrite: \(reason); the file is copied (\(oldHeader.count + dataRange.count) → "
          + "\(newFileSize) bytes, \(roomAfter) bytes of room reserved)")
    }
    return lines.joined(separator: "\n")
  }
}
