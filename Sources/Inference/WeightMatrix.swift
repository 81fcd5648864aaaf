import Dispatch
import Tensors

/// A 2-D weight `[rows, columns]` whose rows are decoded to Float one at a time, inside the
/// matrix product; the whole matrix is never converted.
struct WeightMatrix: Sendable {
  /// Element types with a row decoder.
  static let supportedTypes: Set<DType> = [
    .f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K,
  ]

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
  /// Rows are split over the cores. In ``NumericMode/llamaCpp`` the input first takes the
  /// rounding of the weight's `vec_dot_type`, and Q8_0 and F16 rows are summed in tinyBLAS's
  /// order (see `Kernels.dotQ8Zero` and `Kernels.dotF16Lanes`).
  func multiply(_ input: [Float], count: Int, mode: NumericMode) -> [Float] {
    precondition(input.count == count * columns, "input is not count × columns")
    if mode == .llamaCpp, view.dtype == .q8_0 {
      return multiplyQ8Zero(input, count: count)
    }
    let vectors =
      mode == .llamaCpp
      ? ActivationRounding.rounded(input, columns: columns, forWeight: view.dtype) : input
    let tinyBLASLanes = mode == .llamaCpp && view.dtype == .f16
    let rows = rows
    let columns = columns
    let rowBytes = rowBytes
    let dtype = view.dtype
    return forEachRow(count: count) { weights, r, y in
      let scratch = UnsafeMutablePointer<Float>.allocate(capacity: columns)
      defer { scratch.deallocate() }
      Dequantization.decode(weights + r * rowBytes, dtype: dtype, count: columns, into: scratch)
      vectors.withUnsafeBufferPointer { buffer in
        guard let x = buffer.baseAddress else { return }
        for t in 0..<count {
          y[t * rows + r] =
            tinyBLASLanes
            ? Kernels.dotF16Lanes(scratch, x + t * columns, count: columns)
            : Kernels.dot(scratch, x + t * columns, count: columns)
        }
      }
    }
  }

  /// Q8_0 weights times Q8_0-quantized activations, in integer blocks as llama.cpp does.
  private func multiplyQ8Zero(_ input: [Float], count: Int) -> [Float] {
    let (scales, quants) = ActivationRounding.quantizedQ8Zero(input)
    let rows = rows
    let blocks = columns / 32
    let rowBytes = rowBytes
    return forEachRow(count: count) { weights, r, y in
      scales.withUnsafeBufferPointer { scaleBuffer in
        quants.withUnsafeBufferPointer { quantBuffer in
          guard let s = scaleBuffer.baseAddress, let q = quantBuffer.baseAddress else { return }
          for t in 0..<count {
            y[t * rows + r] = Kernels.dotQ8Zero(
              weight: weights + r * rowBytes, scales: s + t * blocks, quants: q + t * blocks * 32,
              blocks: blocks)
          }
        }
      }
    }
  }

  /// Runs `body(weights, row, output)` for every row, rows split over the cores; `body`
  /// writes only column `row` of the `count × rows` output.
  private func forEachRow(
    count: Int,
    _ body: @Sendable (UnsafeRawPointer, Int, UnsafeMutablePointer<Float>) -> Void
  ) -> [Float] {
    var output = [Float](repeating: 0, count: count * rows)
    let rows = rows
    view.withUnsafeBytes { raw in
      output.withUnsafeMutableBufferPointer { outputBuffer in
        guard let weights = raw.baseAddress, let y = outputBuffer.baseAddress else { return }
        nonisolated(unsafe) let w = weights
        nonisolated(unsafe) let ys = y
        let chunks = Swift.max(1, Swift.min(rows, Self.workerCount * 4))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
          for r in (rows * chunk / chunks)..<(rows * (chunk + 1) / chunks) { body(w, r, ys) }
        }
      }
    }
    return output
  }

  static let workerCount = CMath.processorCount
}
