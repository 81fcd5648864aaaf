import Foundation
import TestSupport
import Testing

@testable import Tokenization

@Suite("SentencePiece model")
struct SentencePieceModelTests {
  typealias Piece = SentencePieceModel.Piece
  static let model = Repository.fixture("architectures/models/llama/tokenizer.model")

  /// Values from sentencepiece's own schema:
  /// `m = sentencepiece_model_pb2.ModelProto(); m.ParseFromString(open(path, "rb").read())`.
  @Test("The fixture's pieces and specs decode as sentencepiece's own schema reads them")
  func specs() throws {
    let model = try SentencePieceModel(path: Self.model)
    #expect(model.pieces.count == 80)
    #expect(model.pieces[0] == .init(text: "<unk>", score: 0, type: 2))
    #expect(model.pieces[2] == .init(text: "</s>", score: 0, type: 3))
    let trainer = model.proto.trainerSpec
    #expect(trainer.modelType == .bpe)
    #expect(trainer.vocabSize == 80)
    #expect([trainer.unkID, trainer.bosID, trainer.eosID, trainer.padID] == [0, 1, 2, -1])
    #expect(trainer.byteFallback == false)
    let normalizer = model.proto.normalizerSpec
    #expect(normalizer.name == "identity")
    #expect(normalizer.precompiledCharsmap.isEmpty)
    // Absent from the file: the schema's defaults.
    #expect(!normalizer.hasAddDummyPrefix && normalizer.addDummyPrefix)
    #expect(normalizer.removeExtraWhitespaces && normalizer.escapeWhitespaces)
  }

  /// Trained by `fixtures/hf-export/generate.py`; values from `sentencepiece_model_pb2` as above.
  @Test(
    "Trained models: byte pieces, byte fallback and a normalizer option set in the file",
    arguments: [
      ("spm-bytes", true, [1: 741, 2: 1, 3: 2, 6: 256], Piece(text: "<0x00>", score: 0, type: 6)),
      ("spm-nobytes", false, [1: 997, 2: 1, 3: 2], Piece(text: "▁▁", score: 0, type: 1)),
    ] as [(String, Bool, [Int32: Int], Piece)])
  func trained(name: String, byteFallback: Bool, types: [Int32: Int], fourth: Piece) throws {
    let path = Repository.fixture("hf-export/\(name).tokenizer.model")
    let model = try SentencePieceModel(path: path)
    #expect(model.pieces.count == 1000)
    #expect(Dictionary(grouping: model.pieces, by: \.type).mapValues(\.count) == types)
    #expect(model.pieces[3] == fourth)
    #expect(model.pieces[999].text == "텍")
    #expect(model.proto.trainerSpec.modelType == .bpe)
    #expect(model.proto.trainerSpec.byteFallback == byteFallback)
    #expect(model.proto.normalizerSpec.hasRemoveExtraWhitespaces)
    #expect(!model.proto.normalizerSpec.removeExtraWhitespaces)
  }

  @Test("Fields the schema does not declare are kept: the message encodes to the file's size")
  func unknownFieldsKept() throws {
    let bytes = try Scratch.bytes(Self.model)
    let model = try SentencePieceModel(bytes: bytes)
    // character_coverage, num_threads and control_symbols are not declared.
    #expect(!model.proto.trainerSpec.unknownFields.data.isEmpty)
    let encoded: [UInt8] = try model.proto.serializedBytes()
    #expect(encoded.count == bytes.count)
  }

  /// A piece (field 1) declaring `length` bytes of which only `[0x0A]` follows.
  static func oversized(_ length: UInt64) -> [UInt8] {
    var bytes: [UInt8] = [0x0A]
    var rest = length
    while rest >= 0x80 {
      bytes.append(UInt8(rest & 0x7F) | 0x80)
      rest >>= 7
    }
    return bytes + [UInt8(rest), 0x0A]
  }

  @Test(
    "A declared length past the end is an error before anything is allocated for it",
    arguments: [
      (UInt64(2), "a length or value runs past the end of the file"),
      (1 << 30, "a length or value runs past the end of the file"),
      // SwiftProtobuf refuses lengths of 2 GiB and over as malformed, whatever follows.
      (1 << 32, "an invalid field number, wire type or length"),
      (UInt64(Int64.max), "an invalid field number, wire type or length"),
      (UInt64.max, "an invalid field number, wire type or length"),
    ])
  func hugeLength(length: UInt64, reason: String) {
    let error = #expect(throws: TokenizerError.self) {
      try SentencePieceModel(bytes: Self.oversized(length), path: "huge.model")
    }
    #expect(error?.kind == .invalidValue)
    #expect(
      error?.description == "huge.model: malformed SentencePiece model: \(reason) [invalidValue]")
  }

  @Test(
    "Malformed messages are located errors naming the file",
    arguments: [
      // Wire type 7 does not exist.
      ([0x0F], "an invalid field number, wire type or length"),
      // A piece whose text is the byte 0xFF.
      ([0x0A, 0x03, 0x0A, 0x01, 0xFF], "a piece or name is not valid UTF-8"),
      // Field 5 (not declared) as a varint of eleven bytes.
      (
        [0x28] + [UInt8](repeating: 0xFF, count: 10) + [0x01],
        "an invalid field number, wire type or length"
      ),
    ] as [([UInt8], String)])
  func malformed(bytes: [UInt8], reason: String) throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = "\(folder)/tokenizer.model"
    try Scratch.write(bytes, to: path)
    let error = #expect(throws: TokenizerError.self) { try SentencePieceModel(path: path) }
    #expect(error?.kind == .invalidValue)
    #expect(error?.path == path)
    #expect(
      error?.description == "\(path): malformed SentencePiece model: \(reason) [invalidValue]")
  }
}
