import Formats
import Foundation
import Inference
import Tensors
import TestSupport
import Testing

/// A llama.cpp reference on SmolLM2 recorded by `fixtures/inference/record-smollm2.sh`: the
/// tokens, the start position, and per recorded position the 40 largest logits (and, for
/// some positions, the whole row).
struct SmolLM2Reference {
  struct Output {
    var index: Int
    var topIDs: [Int]
    var topLogits: [Float]
    /// The whole row, when recorded.
    var row: [Float]?
  }

  var tokens: [Int32]
  var startPosition: Int
  var outputs: [Output]

  /// Where `make smollm2` caches the models (``SmolLM2Models``).
  static let modelFolder = SmolLM2Models.folder
  static let quantizedModel = SmolLM2Models.quantized
  static let floatModel = SmolLM2Models.float
  static let bfloatModel = SmolLM2Models.bfloat

  /// Whether the models are cached.
  static var modelsPresent: Bool {
    [quantizedModel, floatModel, bfloatModel].allSatisfy(FileManager.default.fileExists(atPath:))
  }

  /// Whether this is an optimized build (the SmolLM2 suites take minutes without).
  static var optimized: Bool {
    #if DEBUG
    return ProcessInfo.processInfo.environment["SPINDLE_SMOLLM2_DEBUG"] == "1"
    #else
    return true
    #endif
  }

  static let skipReason = Comment(
    rawValue: "needs SmolLM2 in \(modelFolder) (run `make smollm2`) and a release build"
      + " (`make release-tests`; SPINDLE_SMOLLM2_DEBUG=1 forces a debug run)")

  /// The fixture folder of `build`'s recordings: `smollm2/` for the AVX-512 build,
  /// `smollm2/avx2/` for the AVX2 one.
  static func folder(_ build: LlamaCppBuild) -> String {
    build == .avx512 ? "inference/smollm2" : "inference/smollm2/avx2"
  }

  /// Reads `<name>.json` of `build`'s recordings and its full rows.
  init(_ name: String, build: LlamaCppBuild = .avx512) throws {
    let relative = Self.folder(build)
    let folder = Repository.fixture(relative)
    let path = "\(folder)/\(name).json"
    let root = try Repository.recordedJSON("\(relative)/\(name).json")
    func integer(_ value: JSONValue?) throws -> Int {
      guard let number = value?.number?.int else { throw ReferenceLogits.FixtureError(path: path) }
      return number
    }
    func float(_ value: JSONValue) throws -> Float {
      guard let text = value.number?.text, let float = Float(text) else {
        throw ReferenceLogits.FixtureError(path: path)
      }
      return float
    }
    let vocabulary = try integer(root["vocabulary"])
    tokens = try (root["tokens"]?.array ?? []).map { Int32(try integer($0)) }
    startPosition = try integer(root["start_position"])
    var rows: [[Float]] = []
    if let file = root["full_rows"]?.string {
      rows = try Self.rows("\(folder)/\(file)", vocabulary: vocabulary)
    }
    var nextRow = 0
    outputs = try (root["outputs"]?.array ?? []).map { output in
      var row: [Float]?
      if output["full"]?.bool == true {
        guard nextRow < rows.count else { throw ReferenceLogits.FixtureError(path: path) }
        row = rows[nextRow]
        nextRow += 1
      }
      return Output(
        index: try integer(output["index"]),
        topIDs: try (output["top_ids"]?.array ?? []).map(integer),
        topLogits: try (output["top_logits"]?.array ?? []).map(float), row: row)
    }
  }

  /// Float32 rows stored as four byte planes, zstd-compressed.
  static func rows(_ path: String, vocabulary: Int) throws -> [[Float]] {
    let file = try MappedFile(path: path)
    var planes: [UInt8] = []
    try Zstd.decompress(file) { chunk in planes.append(contentsOf: chunk) }
    let count = planes.count / 4
    guard planes.count == count * 4, count.isMultiple(of: vocabulary) else {
      throw ReferenceLogits.FixtureError(path: path)
    }
    var values = [Float](repeating: 0, count: count)
    for i in 0..<count {
      let bits =
        UInt32(planes[i]) | UInt32(planes[count + i]) << 8 | UInt32(planes[2 * count + i]) << 16
        | UInt32(planes[3 * count + i]) << 24
      values[i] = Float(bitPattern: bits)
    }
    return stride(from: 0, to: count, by: vocabulary).map { Array(values[$0..<($0 + vocabulary)]) }
  }
}

/// How far Spindle's rows are from a ``SmolLM2Reference``: over every recorded entry (the top
/// 40 of each position, whole rows where recorded).
struct SmolLM2Gap: CustomStringConvertible {
  var maximum: Float = 0
  /// Largest gap over whole rows only.
  var fullRowMaximum: Float = 0
  /// Recorded indices whose arg-max differs from llama.cpp's top-1.
  var topOneMismatches: [Int] = []
  /// Mismatches where llama.cpp's top two are further apart than `tieTolerance`.
  var clearTopOneMismatches: [Int] = []
  var positions = 0

  init(_ ours: [[Float]], _ reference: SmolLM2Reference, tieTolerance: Float) {
    for (row, output) in zip(ours, reference.outputs) {
      positions += 1
      for (id, logit) in zip(output.topIDs, output.topLogits) {
        maximum = max(maximum, (row[id] - logit).magnitude)
      }
      if let full = output.row {
        let gap = zip(row, full).map { ($0 - $1).magnitude }.max() ?? 0
        fullRowMaximum = max(fullRowMaximum, gap)
        maximum = max(maximum, gap)
      }
      let mine = row.indices.max { row[$0] < row[$1] } ?? -1
      if mine != output.topIDs[0] {
        topOneMismatches.append(output.index)
        if output.topLogits[0] - output.topLogits[1] > tieTolerance {
          clearTopOneMismatches.append(output.index)
        }
      }
    }
  }

  var description: String {
    "\(positions) positions: max |Δlogit| \(maximum) (whole rows \(fullRowMaximum)),"
      + " top-1 mismatches at \(topOneMismatches)"
  }
}
