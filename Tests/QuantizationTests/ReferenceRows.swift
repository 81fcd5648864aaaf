import Foundation
import Quantization
import Tensors
import TestSupport
import Testing

/// The committed reference vectors of `fixtures/quantization/` (make_vectors.sh): rows of F32
/// and the bytes ggml's reference quantizers made of them.
struct ReferenceRows {
  var values: [Float]
  var rowCount: Int
  var rowLength: Int

  /// Reads `fixtures/quantization/<set>.f32` ("SPQI", row count, row length, the rows).
  init(_ set: String) throws {
    let data = try Data(
      contentsOf: URL(fileURLWithPath: Repository.fixture("quantization/\(set).f32")))
    #expect(data.prefix(4) == Data("SPQI".utf8))
    func word(_ offset: Int) -> Int {
      Int(data[offset..<offset + 4].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) })
    }
    rowCount = word(4)
    rowLength = word(8)
    values = data.dropFirst(12).withUnsafeBytes { raw in
      (0..<(raw.count / 4)).map {
        Float(
          bitPattern: UInt32(
            littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
      }
    }
    #expect(values.count == rowCount * rowLength)
  }

  /// The expected bytes `fixtures/quantization/<set>.<type>.bin`.
  static func expected(_ set: String, _ type: DType) throws -> [UInt8] {
    let name =
      type.isQuantized
      ? type.name.lowercased().replacingOccurrences(of: "_k", with: "_K") : type.name.lowercased()
    return [UInt8](
      try Data(
        contentsOf: URL(fileURLWithPath: Repository.fixture("quantization/\(set).\(name).bin"))))
  }

  /// Quantizes `rows` of these rows (all of them by default) into a whole-tensor buffer.
  func quantized(
    _ type: DType, rowLength: Int? = nil, ranges: [Range<Int>]? = nil
  ) throws -> [UInt8] {
    let length = rowLength ?? self.rowLength
    let rows = values.count / length
    var out = [UInt8](
      repeating: 0xAA, count: try Quantizer.byteCount(rows: rows, rowLength: length, type: type))
    try values.withUnsafeBufferPointer { source in
      try out.withUnsafeMutableBytes { target in
        for range in ranges ?? [0..<rows] {
          try Quantizer.quantize(source, rowLength: length, rows: range, to: type, into: target)
        }
      }
    }
    return out
  }
}

/// The first row whose bytes differ, for a failure message that points at the input.
func firstDifference(_ ours: [UInt8], _ theirs: [UInt8], rowBytes: Int) -> String? {
  guard ours != theirs else { return nil }
  guard ours.count == theirs.count else { return "\(ours.count) bytes, expected \(theirs.count)" }
  guard let index = ours.indices.first(where: { ours[$0] != theirs[$0] }) else { return nil }
  return
    "row \(index / rowBytes), byte \(index % rowBytes): \(ours[index]) expected \(theirs[index])"
}
