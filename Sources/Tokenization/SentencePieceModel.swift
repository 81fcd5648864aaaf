import Formats
import Tensors

/// The vocabulary of a SentencePiece `tokenizer.model`: each piece's text, score and type.
///
/// The file is a protobuf `ModelProto` (sentencepiece_model.proto); only its `pieces` field
/// (1: `piece` = 1, `score` = 2, `type` = 3, default NORMAL) is read, by a wire-format reader of
/// a few dozen lines rather than generated swift-protobuf code, and every other field is
/// skipped by its wire type.
public struct SentencePieceModel: Sendable {
  /// One vocabulary entry.
  public struct Piece: Sendable, Equatable {
    public var text: String
    public var score: Float
    /// The proto's `Type` number: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused,
    /// 6 byte (the numbers ``TokenKind`` uses).
    public var type: Int32
  }

  /// The pieces, by id.
  public var pieces: [Piece]

  /// Reads `path`.
  ///
  /// - Throws: `format` for an unreadable file, `invalidValue` naming the byte offset for a
  ///   malformed message.
  public init(path: String) throws(TokenizerError) {
    let file: MappedFile
    do { file = try MappedFile(path: path) } catch { throw TokenizerError(FormatError(error)) }
    let bytes = file.withUnsafeBytes { Array($0) }
    try self.init(bytes: bytes, path: path)
  }

  /// Parses the bytes of a `ModelProto`.
  public init(bytes: [UInt8], path: String = "") throws(TokenizerError) {
    var pieces: [Piece] = []
    var reader = WireReader(bytes: bytes, range: 0..<bytes.count, path: path)
    while let (field, wire) = try reader.nextKey() {
      if field == 1 && wire == 2 {
        var inner = try reader.lengthDelimited()
        var piece = Piece(text: "", score: 0, type: 1)
        while let (field, wire) = try inner.nextKey() {
          switch (field, wire) {
          case (1, 2):
            let range = try inner.lengthDelimited().range
            piece.text = String(decoding: bytes[range], as: UTF8.self)
          case (2, 5): piece.score = Float(bitPattern: try inner.fixed32())
          case (3, 0): piece.type = Int32(truncatingIfNeeded: try inner.varint())
          default: try inner.skip(wire)
          }
        }
        pieces.append(piece)
      } else {
        try reader.skip(wire)
      }
    }
    self.pieces = pieces
  }

  /// Protobuf wire-format reading over a byte range.
  struct WireReader {
    let bytes: [UInt8]
    let range: Range<Int>
    let path: String
    var offset: Int

    init(bytes: [UInt8], range: Range<Int>, path: String) {
      self.bytes = bytes
      self.range = range
      self.path = path
      offset = range.lowerBound
    }

    func failure(_ message: String) -> TokenizerError {
      TokenizerError(
        .invalidValue, path: path, name: "byte \(offset)",
        "malformed SentencePiece model at byte \(offset): \(message)")
    }

    mutating func varint() throws(TokenizerError) -> UInt64 {
      var value: UInt64 = 0
      var shift: UInt64 = 0
      while true {
        guard offset < range.upperBound, shift < 64 else { throw failure("truncated varint") }
        let byte = bytes[offset]
        offset += 1
        value |= UInt64(byte & 0x7F) << shift
        if byte & 0x80 == 0 { return value }
        shift += 7
      }
    }

    mutating func nextKey() throws(TokenizerError) -> (field: UInt64, wire: UInt64)? {
      guard offset < range.upperBound else { return nil }
      let key = try varint()
      return (key >> 3, key & 7)
    }

    mutating func fixed32() throws(TokenizerError) -> UInt32 {
      guard range.upperBound - offset >= 4 else { throw failure("truncated 32-bit value") }
      var value: UInt32 = 0
      for index in 0..<4 { value |= UInt32(bytes[offset + index]) << (8 * UInt32(index)) }
      offset += 4
      return value
    }

    mutating func lengthDelimited() throws(TokenizerError) -> WireReader {
      let length = try varint()
      guard length <= UInt64(range.upperBound - offset) else {
        throw failure("a length of \(length) runs past the end")
      }
      let inner = WireReader(bytes: bytes, range: offset..<offset + Int(length), path: path)
      offset += Int(length)
      return inner
    }

    mutating func skip(_ wire: UInt64) throws(TokenizerError) {
      switch wire {
      case 0: _ = try varint()
      case 1:
        guard range.upperBound - offset >= 8 else { throw failure("truncated 64-bit value") }
        offset += 8
      case 2: _ = try lengthDelimited()
      case 5: _ = try fixed32()
      default: throw failure("unsupported wire type \(wire)")
      }
    }
  }
}
