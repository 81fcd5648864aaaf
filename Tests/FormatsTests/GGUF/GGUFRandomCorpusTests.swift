import Foundation
import TestSupport
import Testing

@testable import Formats

/// The handcrafted files of llama.cpp's `tests/test-gguf.cpp` (`fixtures/gguf-random`, made by
/// `generate.sh`) and gguf.cpp's verdict on each: Spindle accepts a file (no fatal error)
/// exactly when llama.cpp does, and names the defect gguf.cpp names first when it does not.
@Suite("GGUF random corpus from test-gguf.cpp")
struct GGUFRandomCorpusTests {
  struct Row: Sendable, CustomTestStringConvertible {
    var file: String
    /// gguf_init_from_file(no_alloc) succeeded and every tensor lies inside the file.
    var accepted: Bool
    /// gguf_init_from_file without no_alloc (the whole padded data section read) succeeded.
    var blobRead: Bool
    /// gguf_init_from_file(no_alloc) succeeded.
    var ggmlInit: Bool
    /// The first error gguf.cpp logged.
    var ggmlError: String?
    var testDescription: String { file }
  }

  static let folder = Repository.fixture("gguf-random")

  static let rows: [Row] = {
    let path = folder + "/manifest.json"
    return (Repository.json(at: path)?["files"]?.array ?? []).compactMap { row in
      guard let file = row["file"]?.string, let accepted = row["accepted"]?.bool,
        let blobRead = row["blob_read"]?.bool, let ggmlInit = row["gguf_init"]?.bool
      else { return nil }
      return Row(
        file: file, accepted: accepted, blobRead: blobRead, ggmlInit: ggmlInit,
        ggmlError: row["ggml_error"]?.string)
    }
  }()

  /// The error kind Spindle gives for the first error gguf.cpp logs (`ggml_error`).
  static let rejection: [(ggml: String, kind: FormatError.Kind)] = [
    ("invalid magic characters", .badMagic), ("bad GGUF version", .unsupportedVersion),
    ("GGUFv1 is no longer supported", .unsupportedVersion),
    ("only supports up to version", .unsupportedVersion),
    ("number of tensors is", .countTooLarge), ("number of key value pairs is", .countTooLarge),
    ("string length", .stringTooLong), ("is empty", .emptyKey),
    ("has invalid GGUF type", .invalidValueType), ("duplicate key", .duplicateKey),
    ("is not a power of 2", .invalidAlignment), ("must be of type", .invalidAlignmentType),
    ("is too long", .tensorNameTooLong), ("invalid number of dimensions", .tooManyDimensions),
    ("invalid number of elements", .negativeDimension), ("may cause overflow", .shapeOverflow),
    ("has a size in bytes", .shapeOverflow), ("overflows after padding", .shapeOverflow),
    ("invalid ggml type", .invalidTensorType), ("has offset", .inconsistentOffset),
    ("duplicate tensor name", .duplicateTensorName),
    ("failed to seek to beginning of data section", .dataPastEOF),
  ]

  /// What Spindle must report for a file llama.cpp rejects: gguf.cpp's first error, or, when
  /// gguf.cpp reads the header, the model loader's "data is not within the file bounds".
  static func expectedKind(_ row: Row) -> FormatError.Kind? {
    if row.ggmlInit { return .dataPastEOF }
    guard let message = row.ggmlError else { return nil }
    return rejection.first { message.contains($0.ggml) }?.kind
  }

  @Test func corpusIsThere() {
    let rows = GGUFRandomCorpusTests.rows
    #expect(rows.count >= 200)
    #expect(rows.filter(\.accepted).count >= 40)
    // Every file in the folder is in the manifest.
    let files = (try? Scratch.list(GGUFRandomCorpusTests.folder + "/files")) ?? []
    #expect(files == rows.map(\.file).sorted())
  }

  /// Accepted by llama.cpp ⇔ no fatal error from Spindle (opening as `validate` does).
  @Test(arguments: GGUFRandomCorpusTests.rows)
  func givesGGUFCppVerdict(row: Row) throws {
    let path = GGUFRandomCorpusTests.folder + "/files/" + row.file
    switch Result(catching: { () throws(FormatError) in try Checkpoint.open(path) }) {
    case .success(let checkpoint):
      #expect(row.accepted, "gguf.cpp rejects \(row.file); Spindle accepts it")
      #expect(checkpoint.problems.isEmpty, "\(checkpoint.problems)")
      // A file gguf.cpp's full read rejects only for its cut final padding says so.
      let cutPadding = checkpoint.warnings.contains { $0.kind == .dataPastEOF }
      #expect(cutPadding == !row.blobRead, "\(checkpoint.warnings)")
    case .failure(let error):
      #expect(!row.accepted, "gguf.cpp accepts \(row.file); Spindle says \(error)")
      let expected = try #require(GGUFRandomCorpusTests.expectedKind(row), "\(row.ggmlError ?? "")")
      #expect(error.kind == expected, "\(row.file): \(error) vs \(row.ggmlError ?? "")")
      #expect(error.path == path)
      #expect(error.offset != nil)
    }
  }

  /// A Q8_1 tensor followed by another: with gguf-py's 40-byte blocks the next offset would
  /// not match (9 blocks: 360 bytes pad to 384, ggml's 324 pad to 352) and the file that
  /// gguf.cpp accepts would be rejected.
  @Test func q8OneBlocksAreGGMLs() throws {
    let gguf = try GGUFFile(path: GGUFRandomCorpusTests.folder + "/files/s11-DATA_SUCCESS.gguf")
    #expect(gguf.tensors.map(\.dtype.name) == ["Q8_1", "Q8_0", "IQ4_XS", "Q5_1", "NVFP4"])
    #expect(gguf.tensors[0].elementCount == 288)
    #expect(gguf.tensors[0].byteCount == 9 * 36)
    #expect(gguf.tensorInfos[1].relativeOffset == 352)
    #expect(gguf.problems.isEmpty)
  }

  /// The random string values test-gguf writes are mostly not UTF-8: the accepted files
  /// carry warnings that name the key, point into the file and render safely.
  @Test func invalidStringsAreWarnings() throws {
    var warned = 0
    for row in GGUFRandomCorpusTests.rows where row.accepted {
      let path = GGUFRandomCorpusTests.folder + "/files/" + row.file
      let gguf = try GGUFFile(path: path)
      for warning in gguf.warnings where warning.kind == .invalidUTF8 {
        warned += 1
        let offset = try #require(warning.offset)
        #expect(offset >= 24 && offset < gguf.headerEnd)
        let key = try #require(warning.name)
        let value = try #require(gguf.metadata(key), "\(key)")
        #expect(value.type == .string || value.arrayValue?.elementType == .string)
        let summary = value.summary(limit: 100, stringLimit: 1000)
        #expect(summary.contains("\\x"))
        #expect(!summary.contains("\u{FFFD}"))
      }
    }
    #expect(warned >= 20)
  }
}
