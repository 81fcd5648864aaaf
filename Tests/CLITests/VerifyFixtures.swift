import Formats
import Foundation
import Patching
import Tensors
import TestSupport

/// The bad patched models `spindle verify` must catch, made at test time from the committed
/// tiny llama with Spindle's own stamp plans and GGUF writer (no binary fixtures).
enum VerifyFixture: String, CaseIterable, Sendable, CustomStringConvertible {
  /// YaRN keys whose factor (2) is not context / original (8192 / 2048).
  case wrongFactor
  /// A baked table for factor 8, recorded (checksum included) as factor 4.
  case staleTable
  /// YaRN keys without `rope.scaling.original_context_length`.
  case missingOriginalContext
  /// A baked table of 16 pairs (head dim 32) in a model that rotates 16 dims (8 pairs).
  case wrongHeadDimension
  /// YaRN keys, and a NaN written into `blk.1.ffn_down.weight` (F16).
  case corruptedTensor
  /// Portable tables (attention factor folded into Q/K) that also declare
  /// `rope.scaling.attn_factor`.
  case attentionTwice

  var description: String { rawValue }

  /// The check that must fail, and a fragment of its message (with `--against` and without).
  var expected: (check: String, fragment: String) {
    switch self {
    case .wrongFactor:
      ("scaling", "'llama.context_length' (8192) is not factor × original (2 × 2048 = 4096)")
    case .staleTable: ("tables", "'rope_freqs.weight' is stale: pair 3 holds")
    case .missingOriginalContext:
      (
        "scaling",
        "missing original context: YaRN is declared but"
          + " 'llama.rope.scaling.original_context_length' is absent"
      )
    case .wrongHeadDimension: ("tables", "the table is for the wrong head size")
    case .corruptedTensor:
      (
        "values",
        "'blk.1.ffn_down.weight' is corrupted: 1 NaN or infinite value(s) (first at"
          + " element 17)"
      )
    case .attentionTwice: ("tables", "the attention factor is applied twice")
    }
  }

  /// What `--against` adds: another failing check and its message.
  var expectedAgainstOriginal: (check: String, fragment: String)? {
    switch self {
    case .wrongFactor:
      (
        "scaling",
        "wrong factor: the context grew from 2048 to 8192 (×4) but the declared factor is 2"
      )
    case .missingOriginalContext:
      ("scaling", "the original context is stated as 8192, but the original model")
    case .corruptedTensor:
      ("changes", "'blk.1.ffn_down.weight' differs from the original")
    case .attentionTwice:
      ("equivalence", "disagree")
    case .staleTable, .wrongHeadDimension: nil
    }
  }

  static let original = Repository.root + "/fixtures/gguf/tiny-llama.gguf"

  static func request(tables: Bool, portable: Bool = false) -> StampRequest {
    var request = StampRequest(method: .yarn, factor: 4)
    request.tables = tables
    request.bakeAttention = portable
    return request
  }

  /// Writes the fixture into `folder` and returns its path.
  func make(in folder: String) throws -> String {
    let base = "\(folder)/base-\(rawValue).gguf"
    let tables = self == .staleTable || self == .wrongHeadDimension || self == .attentionTwice
    try StampPlan(
      path: Self.original, request: Self.request(tables: tables, portable: self == .attentionTwice)
    ).execute(.path(base))
    let source = try GGUFFile(path: base)
    var metadata = source.metadata.filter { $0.key != GGUFFile.reservedKey }.map {
      (key: $0.key, value: $0.value)
    }
    func set(_ key: String, _ value: GGUFValue?) {
      if let index = metadata.firstIndex(where: { $0.key == key }) {
        if let value { metadata[index].value = value } else { metadata.remove(at: index) }
      } else if let value {
        metadata.append((key, value))
      }
    }
    var replaced: [String: [UInt8]] = [:]
    var table: [Float]?
    switch self {
    case .wrongFactor:
      set("llama.rope.scaling.factor", .float32(2))
    case .missingOriginalContext:
      set("llama.rope.scaling.original_context_length", nil)
    case .staleTable, .wrongHeadDimension:
      var record = try BakedRoPE(
        json: source.metadata(BakedRoPE.metadataKey)?.string ?? "", path: base)
      // YaRN ×8 from 2048 on 8 pairs: ramp 1/4, 1/2, 3/4 at pairs 3-5, then interpolated.
      var values: [Float] = [
        1, 1, 1, Float(1 / (0.25 / 8 + 0.75)), Float(1 / (0.5 / 8 + 0.5)),
        Float(1 / (0.75 / 8 + 0.25)), 8, 8,
      ]
      if self == .wrongHeadDimension {
        let entry = try require(source.tensors.first { $0.name == "rope_freqs.weight" })
        let stored = Self.floats(source.file.bytes(in: entry.byteRange))
        values = stored + stored
        record.pairCount = 16
        record.rotaryDimension = 32
      }
      record.tableChecksum = CRC32.checksum(values.flatMap(Self.bytes))
      set(BakedRoPE.metadataKey, .string(record.json))
      table = values
    case .corruptedTensor:
      let entry = try require(source.tensors.first { $0.name == "blk.1.ffn_down.weight" })
      var bytes = source.file.bytes(in: entry.byteRange)
      bytes[2 * 17] = 0x00
      bytes[2 * 17 + 1] = 0x7E  // F16 NaN
      replaced[entry.name] = bytes
    case .attentionTwice:
      set("llama.rope.scaling.attn_factor", .float32(Float(1 + 0.1 * log(4.0))))
    }
    let output = "\(folder)/\(rawValue).gguf"
    var writer = try GGUFWriter(path: output)
    for (key, value) in metadata { try writer.add(key, value) }
    for entry in source.tensors {
      if entry.name == "rope_freqs.weight", let table {
        try writer.addTensor(
          entry.name, dtype: .f32, shape: [table.count], data: .bytes(table.flatMap(Self.bytes)))
      } else if let bytes = replaced[entry.name] {
        try writer.addTensor(
          entry.name, dtype: entry.dtype, shape: entry.shape, data: .bytes(bytes))
      } else {
        try writer.addTensor(
          entry.name, dtype: entry.dtype, shape: entry.shape,
          data: .file(source.file, range: entry.byteRange))
      }
    }
    try writer.write()
    try FileManager.default.removeItem(atPath: base)
    return output
  }

  static func floats(_ bytes: [UInt8]) -> [Float] {
    stride(from: 0, to: bytes.count, by: 4).map { offset in
      Float(
        bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
          | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24)
    }
  }

  static func bytes(_ value: Float) -> [UInt8] {
    let bits = value.bitPattern
    return (0..<4).map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) }
  }
}

struct FixtureMissing: Error {}

/// `#require` outside a test body.
private func require<T>(_ value: T?) throws -> T {
  guard let value else { throw FixtureMissing() }
  return value
}
