import Formats
import SwiftProtobuf
import Tensors

/// The vocabulary of a SentencePiece `tokenizer.model`: each piece's text, score and type.
///
/// The file is a protobuf `ModelProto`, decoded by SwiftProtobuf with the code generated from
/// `Protos/sentencepiece_model.proto` (the fields Spindle reads, with the upstream schema's
/// numbers; the others are kept as unknown fields). SwiftProtobuf checks every declared length
/// against the bytes left before it allocates anything for it.
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
  /// The whole message: the pieces and the trainer and normalizer specs.
  var proto: Sentencepiece_ModelProto

  /// Reads `path`.
  ///
  /// - Throws: `format` for an unreadable file, `invalidValue` for a malformed message.
  public init(path: String) throws(TokenizerError) {
    let file: MappedFile
    do { file = try MappedFile(path: path) } catch { throw TokenizerError(FormatError(error)) }
    let bytes = file.withUnsafeBytes { Array($0) }
    try self.init(bytes: bytes, path: path)
  }

  /// Parses the bytes of a `ModelProto`.
  public init(bytes: [UInt8], path: String = "") throws(TokenizerError) {
    do {
      proto = try Sentencepiece_ModelProto(serializedBytes: bytes)
    } catch {
      throw TokenizerError(
        .invalidValue, path: path, "malformed SentencePiece model: \(Self.reason(error))")
    }
    pieces = proto.pieces.map {
      Piece(text: $0.piece, score: $0.score, type: Int32($0.type.rawValue))
    }
  }

  /// What SwiftProtobuf's decoding error means in a `tokenizer.model`.
  private static func reason(_ error: any Error) -> String {
    switch error as? BinaryDecodingError {
    case .truncated: "a length or value runs past the end of the file"
    case .malformedProtobuf: "an invalid field number, wire type or length"
    case .invalidUTF8: "a piece or name is not valid UTF-8"
    case .messageDepthLimit: "messages nested too deeply"
    default: "\(error)"
    }
  }
}
