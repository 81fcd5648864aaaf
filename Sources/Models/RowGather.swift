import Inference

/// Row selection over a row-major tensor: contiguous ranges as sub-views of the same bytes
/// (no copy) and arbitrary orders gathered into owned bytes.
enum RowGather {
  /// Bytes per row of `view` (its outermost dimension counts the rows).
  static func rowBytes(_ view: TensorView) -> Int {
    let rows = max(1, view.shape.first ?? 1)
    return view.byteCount / rows
  }

  /// Rows `range` of `view` as a view of the same storage.
  static func slice(_ view: TensorView, rows range: Range<Int>, name: String)
    throws(InferenceError) -> TensorView
  {
    let stride = rowBytes(view)
    var shape = view.shape
    if shape.isEmpty { shape = [1] }
    shape[0] = range.count
    let bytes = (range.lowerBound * stride)..<(range.upperBound * stride)
    switch view.storage {
    case .mapped(let file, let whole):
      return try TensorView(
        name: name, dtype: view.dtype, shape: shape, file: file,
        byteRange: (whole.lowerBound + bytes.lowerBound)..<(whole.lowerBound + bytes.upperBound))
    case .owned(let owned):
      return try TensorView(
        name: name, dtype: view.dtype, shape: shape, bytes: Array(owned[bytes]))
    }
  }

  /// The rows of `view` listed in `rows`, in that order, copied into owned bytes.
  static func gather(_ view: TensorView, rows: [Int], name: String, shape: [Int])
    throws(InferenceError) -> TensorView
  {
    let stride = rowBytes(view)
    var bytes: [UInt8] = []
    bytes.reserveCapacity(rows.count * stride)
    view.withUnsafeBytes { raw in
      for row in rows {
        bytes.append(contentsOf: raw[(row * stride)..<((row + 1) * stride)])
      }
    }
    return try TensorView(name: name, dtype: view.dtype, shape: shape, bytes: bytes)
  }
}
