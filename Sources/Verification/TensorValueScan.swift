import Formats
import Patching
import Tensors

/// NaN and infinity in a checkpoint's tensors, found without dequantizing: every element of
/// F32/F16/BF16/F64 tensors, and the F16/F32 block scales of quantized ones (a quantized value
/// is `scale × integer`, so it is non-finite exactly when its scale is).
///
/// One pass over the mapped bytes, O(file) time and O(1) memory.
struct TensorValueScan {
  struct Finding {
    var name: String
    var nonFinite: Int
    /// Element (plain types) or block (quantized) of the first one.
    var firstIndex: Int
    var inScales: Bool
  }

  var findings: [Finding] = []
  /// Values (elements or block scales) looked at.
  var scannedValues = 0
  var scannedTensors = 0
  /// Tensors of a type with nothing to scan here (integers, codebook quantizations).
  var unscanned: [String] = []

  init(_ checkpoint: Checkpoint) {
    var files = MappedFiles(checkpoint)
    let little = checkpoint.endianness == .little
    for entry in checkpoint.tensors {
      guard let file = files.file(entry.path), entry.byteRange.upperBound <= file.count else {
        continue
      }
      let result = file.withUnsafeBytes(in: entry.byteRange) { raw in
        Self.scan(raw, dtype: entry.dtype, little: little)
      }
      // Scanned once: dropping the pages keeps the scan's memory to one tensor, and leaves
      // the forward pass's own mapping of the weights the only one resident.
      file.release(entry.byteRange)
      guard let result else {
        unscanned.append(entry.name)
        continue
      }
      scannedTensors += 1
      scannedValues += result.count
      if let first = result.first {
        findings.append(
          Finding(
            name: entry.name, nonFinite: result.nonFinite, firstIndex: first,
            inScales: entry.dtype.isQuantized))
      }
    }
  }

  /// Counts non-finite values; `nil` for a type without floating-point values or scales.
  static func scan(_ raw: UnsafeRawBufferPointer, dtype: DType, little: Bool) -> (
    count: Int, nonFinite: Int, first: Int?
  )? {
    func bits16(_ offset: Int) -> UInt16 {
      let value = raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
      return little ? UInt16(littleEndian: value) : UInt16(bigEndian: value)
    }
    func bits32(_ offset: Int) -> UInt32 {
      let value = raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
      return little ? UInt32(littleEndian: value) : UInt32(bigEndian: value)
    }
    var nonFinite = 0
    var first: Int?
    func note(_ index: Int) {
      nonFinite += 1
      if first == nil { first = index }
    }
    switch dtype {
    case .f32:
      let count = raw.count / 4
      for i in 0..<count where bits32(4 * i) & 0x7F80_0000 == 0x7F80_0000 { note(i) }
      return (count, nonFinite, first)
    case .f16:
      let count = raw.count / 2
      for i in 0..<count where bits16(2 * i) & 0x7C00 == 0x7C00 { note(i) }
      return (count, nonFinite, first)
    case .bf16:
      let count = raw.count / 2
      for i in 0..<count where bits16(2 * i) & 0x7F80 == 0x7F80 { note(i) }
      return (count, nonFinite, first)
    case .f64:
      let count = raw.count / 8
      for i in 0..<count {
        let low = UInt64(bits32(8 * i))
        let high = UInt64(bits32(8 * i + 4))
        let bits = little ? high << 32 | low : low << 32 | high
        if bits & 0x7FF0_0000_0000_0000 == 0x7FF0_0000_0000_0000 { note(i) }
      }
      return (count, nonFinite, first)
    default:
      guard let scales = dtype.blockScaleOffsets, dtype.blockBytes > 0 else {
        return nil
      }
      let blocks = raw.count / dtype.blockBytes
      for block in 0..<blocks {
        let base = block * dtype.blockBytes
        let bad =
          scales.half.contains { bits16(base + $0) & 0x7C00 == 0x7C00 }
          || scales.single.contains { bits32(base + $0) & 0x7F80_0000 == 0x7F80_0000 }
        if bad { note(block) }
      }
      return (blocks * (scales.half.count + scales.single.count), nonFinite, first)
    }
  }
}

extension Verifier {
  /// `values`: no NaN or infinity in any tensor (elements, or quantized block scales).
  func valuesCheck(_ patched: OpenedCheckpoint) -> Check {
    guard let checkpoint = patched.checkpoint else {
      return .skip("values", "the file does not open")
    }
    let scan = TensorValueScan(checkpoint)
    let figure =
      "\(scan.scannedTensors) of \(checkpoint.tensors.count) tensors scanned,"
      + " \(scan.scannedValues) values"
    let notes =
      scan.unscanned.isEmpty
      ? [] : ["not scanned (no float values or scales): \(scan.unscanned.joined(separator: ", "))"]
    guard scan.findings.isEmpty else {
      let problems = scan.findings.map { finding in
        finding.inScales
          ? "'\(finding.name)' is corrupted: \(finding.nonFinite) block(s) have a NaN or infinite"
            + " scale (first: block \(finding.firstIndex))"
          : "'\(finding.name)' is corrupted: \(finding.nonFinite) NaN or infinite value(s) (first at"
            + " element \(finding.firstIndex))"
      }
      return Check(
        name: "values", status: .fail, figure: figure,
        value: Double(scan.findings.reduce(0) { $0 + $1.nonFinite }), message: problems[0],
        details: problems + notes)
    }
    return Check(
      name: "values", status: .pass, figure: figure, value: 0,
      message: "no NaN or infinite values", details: notes)
  }
}
