import FuzzSupport
import Inference
import Quantization
import Tensors

/// The block decoders over every DType with arbitrary bytes (the first input byte picks the
/// type, the second a sub-range), and the quantizers' output read back: floats from the input
/// (finite, |x| ≤ 10⁴) quantized to every type Spindle writes must decode to finite values.
@_cdecl("FuzzDequantization_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
  runLibFuzzer(argc, argv, testOneInput)
}

@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  var input = FuzzInput(inputBytes(data, size))
  let dtype = DType.allCases[Int(input.byte()) % DType.allCases.count]
  let range = input.byte()
  let bytes = input.rest
  decodeEveryBlock(dtype, bytes, range: range)
  if size >= 4 { quantizeAndDecode(bytes) }
  return 0
}

/// Decodes the whole blocks of `bytes` as `dtype`, then a sub-range of them.
func decodeEveryBlock(_ dtype: DType, _ bytes: [UInt8], range: UInt8) {
  guard dtype.blockBytes > 0 else { return }
  let blocks = bytes.count / dtype.blockBytes
  let elements = blocks * dtype.blockSize
  let stored = Array(bytes.prefix(blocks * dtype.blockBytes))
  let view: TensorView
  do { view = try TensorView(name: "t", dtype: dtype, shape: [elements], bytes: stored) } catch {
    violation("\(dtype): \(blocks) whole blocks rejected: \(error)")
  }
  let values: [Float]
  do { values = try view.floats() } catch {
    if TensorView.decodableTypes.contains(dtype) || error.kind != .unsupportedDType {
      violation("\(dtype): decoding \(blocks) whole blocks failed: \(error)")
    }
    return
  }
  if values.count != elements { violation("\(dtype): \(values.count) values, \(elements) asked") }
  if dtype == .f32 {
    for (index, value) in values.enumerated()
    where value.bitPattern
      != stored.withUnsafeBytes({ $0.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self) })
    {
      violation("f32 element \(index) changed bits")
    }
  }
  // Any start and count: whole blocks inside the tensor decode to what the whole decode gave,
  // anything else is an invalidInput error.
  let start = Int(range & 0x0F) * (dtype.blockSize == 1 ? 1 : dtype.blockSize / 2)
  let count = Int(range >> 4) * (dtype.blockSize == 1 ? 1 : dtype.blockSize / 2)
  var part = [Float](repeating: 0, count: count)
  do {
    try part.withUnsafeMutableBufferPointer { buffer throws(InferenceError) in
      try view.decode(elementsFrom: start, into: buffer)
    }
    let expected = values[start..<(start + count)]
    if zip(part, expected).contains(where: { $0.bitPattern != $1.bitPattern }) {
      violation("\(dtype): elements \(start)..<\(start + count) decode differently alone")
    }
  } catch {
    let whole = start % dtype.blockSize == 0 && count % dtype.blockSize == 0
    if error.kind != .invalidInput || (whole && start + count <= elements) {
      violation("\(dtype): decoding \(start)..<\(start + count) of \(elements) failed: \(error)")
    }
  }
}

func quantizeAndDecode(_ bytes: [UInt8]) {
  var floats: [Float] = stride(from: 0, to: bytes.count - 3, by: 4).map { offset in
    let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Float.self) }
    return value.isFinite ? max(-1e4, min(1e4, value)) : 0
  }
  let rowLength = 256
  let rows = max(1, (floats.count + rowLength - 1) / rowLength)
  floats += repeatElement(0, count: rows * rowLength - floats.count)
  for type in Quantizer.supportedTypes {
    guard let byteCount = try? Quantizer.byteCount(rows: rows, rowLength: rowLength, type: type)
    else { violation("\(type): no size for \(rows) rows of \(rowLength)") }
    var quantized = [UInt8](repeating: 0, count: byteCount)
    do {
      try floats.withUnsafeBufferPointer { source in
        try quantized.withUnsafeMutableBytes { target in
          try Quantizer.quantize(source, rowLength: rowLength, to: type, into: target)
        }
      }
    } catch { violation("\(type): quantizing \(rows) rows failed: \(error)") }
    guard TensorView.decodableTypes.contains(type) else { continue }
    let decoded: [Float]
    do {
      decoded = try TensorView(name: "q", dtype: type, shape: [rows, rowLength], bytes: quantized)
        .floats()
    } catch { violation("\(type): the quantized tensor does not decode: \(error)") }
    if let index = decoded.firstIndex(where: { !$0.isFinite }) {
      violation("\(type): element \(index) (\(floats[index])) decodes to \(decoded[index])")
    }
  }
}
