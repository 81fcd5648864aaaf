public import Tensors

extension TensorView {
  /// Element types the row decoders (and so the forward pass) read.
  public static var decodableTypes: Set<DType> { WeightMatrix.supportedTypes }

  /// Decodes `target.count` elements from element `start` on to Float, as ggml's
  /// `dequantize_row_*` (and gguf-py's `gguf.quants.dequantize`) do, bit for bit.
  ///
  /// `start` and `target.count` must be whole blocks of ``dtype``, so a caller can stream a
  /// tensor of any size through a small buffer.
  ///
  /// - Throws: `unsupportedDType` for a type without a decoder, `invalidInput` for a range
  ///   that is not whole blocks inside the tensor.
  public func decode(
    elementsFrom start: Int, into target: UnsafeMutableBufferPointer<Float>
  ) throws(InferenceError) {
    guard Self.decodableTypes.contains(dtype) else {
      throw InferenceError(
        .unsupportedDType, name: name,
        "tensor \"\(name)\" is \(dtype); the decoders read"
          + " \(Self.decodableTypes.map(\.name).sorted().joined(separator: ", "))")
    }
    let count = target.count
    let block = dtype.blockSize
    guard start >= 0, count >= 0, start + count <= elementCount, start.isMultiple(of: block),
      count.isMultiple(of: block), let offset = dtype.byteCount(elements: start)
    else {
      throw InferenceError(
        .invalidInput, name: name,
        "tensor \"\(name)\": elements \(start)..<\(start + count) are not whole blocks of"
          + " \(block) inside its \(elementCount) elements")
    }
    guard count > 0, let output = target.baseAddress else { return }
    let dtype = dtype
    withUnsafeBytes { raw in
      guard let base = raw.baseAddress else { return }
      Dequantization.decode(base + offset, dtype: dtype, count: count, into: output)
    }
  }

  /// Every element as Float (small tensors: norms, tests).
  ///
  /// - Throws: as ``decode(elementsFrom:into:)``.
  public func floats() throws(InferenceError) -> [Float] {
    var values = [Float](repeating: 0, count: elementCount)
    try values.withUnsafeMutableBufferPointer { buffer throws(InferenceError) in
      try decode(elementsFrom: 0, into: buffer)
    }
    return values
  }
}
