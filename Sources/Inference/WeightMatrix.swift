import Dispatch
import Tensors

/// A 2-D weight `[rows, columns]` whose rows are decoded to Float one at a time, inside the
/// matrix product; the whole matrix is never converted.
struct WeightMatrix: Sendable {
  /// Element types with a row decoder.
  static let supportedTypes: Set<DType> = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q4_K, .q6_K]

  let view: TensorView
  let rows: Int
  let columns: Int
  let rowBytes: Int

  /// Wraps `view`, which must be `[rows, columns]` of a supported type.
  ///
  /// - Throws: `shapeMismatch` (expected vs found) or `unsupportedDType`.
  init(_ view: TensorView, rows: Int, columns: Int) throws(InferenceError) {
    guard view.shape == [rows, columns] else {
      throw InferenceError(
        .shapeMismatch, name: view.name,
        "tensor \"\(view.name)\" should have shape [\(rows), \(columns)], found \(view.shape)")
    }
    guard Self.supportedTypes.contains(view.dtype),
      let rowBytes = view.dtype.byteCount(elements: columns)
    else {
      throw InferenceError(
        .unsupportedDType, name: view.name,
        "tensor \"\(view.name)\" is \(view.dtype); the CPU kernels read"
          + " \(Self.supportedTypes.map(\.name).sorted().joined(separator: ", "))"
          + " with rows of whole blocks")
    }
    self.view = view
    self.rows = rows
    self.columns = columns
    self.rowBytes = rowBytes
  }

  /// Row `row` as Float (an embedding lookup, ggml `get_rows`).
  func row(_ row: Int) -> [Float] {
    var result = [Float](repeating: 0, count: columns)
    view.withUnsafeBytes { raw in
      result.withUnsafeMutableBufferPointer { out in
        guard let base = raw.baseAddress, let target = out.baseAddress else { return }
        Dequantization.decode(
          base + row * rowBytes, dtype: view.dtype, count: columns, into: target)
      }
    }
    return result
  }

  /// `input · Wᵀ` for `count` vectors of ``columns`` values: `count × rows` values, row-major.
  ///
  /// Rows are split over the cores; in ``NumericMode/llamaCpp`` the input first takes the
  /// rounding of the weight's `vec_dot_type`.
  func multiply(_ input: [Float], count: Int, mode: NumericMode) -> [Float] {
    precondition(input.count == count * columns, "input is not count × columns")
    let vectors =
      mode == .llamaCpp
      ? ActivationRounding.rounded(input, columns: columns, forWeight: view.dtype) : input
    var output = [Float](repeating: 0, count: count * rows)
    let rows = rows
    let columns = columns
    let rowBytes = rowBytes
    let dtype = view.dtype
    view.withUnsafeBytes { raw in
      vectors.withUnsafeBufferPointer { inputBuffer in
        output.withUnsafeMutableBufferPointer { outputBuffer in
          guard let weights = raw.baseAddress, let x = inputBuffer.baseAddress,
            let y = outputBuffer.baseAddress
          else { return }
          nonisolated(unsafe) let w = weights
          nonisolated(unsafe) let xs = x
          nonisolated(unsafe) let ys = y
          let chunks = Swift.max(1, Swift.min(rows, Self.workerCount * 4))
          DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = rows * chunk / chunks
            let end = rows * (chunk + 1) / chunks
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: columns)
            defer { scratch.deallocate() }
            for r in start..<end {
              Dequantization.decode(w + r * rowBytes, dtype: dtype, count: columns, into: scratch)
              for t in 0..<count {
                ys[t * rows + r] = Kernels.dot(scratch, xs + t * columns, count: columns)
              }
            }
          }
        }
      }
    }
    return output
  }

  static let workerCount = CMath.processorCount
}
