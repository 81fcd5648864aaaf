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

  /// Whether llama.cpp numerics multiply these rows in integer blocks (Q8_0 and Q4_1 rows of
  /// whole 32-value blocks, with Q8_0 / Q8_1 activations) rather than in Float lanes.
  var multipliesInIntegerBlocks: Bool {
    columns.isMultiple(of: BlockActivations.blockSize)
      && (view.dtype == .q8_0 || view.dtype == .q4_1)
  }

  /// `input · Wᵀ` for `count` vectors of ``columns`` values: `count × rows` values, row-major.
  ///
  /// Rows are split over the cores; each row is decoded (or unpacked) once into a scratch
  /// buffer and multiplied with every input vector (the selected ``KernelLevel``'s
  /// `multiplyRows`). Float products use 16 fused lanes. In ``NumericMode/llamaCpp`` the input
  /// first takes the rounding of the weight's `vec_dot_type` and the sums are the selected
  /// ``LlamaCppBuild``'s: tinyBLAS's lanes, or, for one vector and F32, F16 or BF16 rows, ggml's
  /// `vec_dot` order (``usesVectorDot(alone:mode:)``); Q8_0 and Q4_1 rows are multiplied in
  /// integer blocks with Q8_0 / Q8_1 activations as llama.cpp does (``BlockActivations``), four
  /// outputs at a time (four rows with one vector, or one row with four vectors), each still
  /// its own chain in llama.cpp's order (`multiplyBlockRows`).
  ///
  /// `alone` (default: `count == 1`) says llama.cpp multiplies this one vector by itself (one row
  /// of its micro-batch), not as one row of a larger product.
  func multiply(_ input: [Float], count: Int, mode: NumericMode, alone: Bool? = nil) -> [Float] {
    precondition(input.count == count * columns, "input is not count × columns")
    if mode == .llamaCpp, multipliesInIntegerBlocks {
      return multiplyBlocks(input, count: count, minimums: view.dtype == .q4_1)
    }
    let vectors =
      mode == .llamaCpp
      ? ActivationRounding.rounded(input, columns: columns, forWeight: view.dtype) : input
    if count == 1, usesVectorDot(alone: alone ?? true, mode: mode) {
      return vectors.withUnsafeBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return [] }
        var output = [Float](repeating: 0, count: self.rows)
        output.withUnsafeMutableBufferPointer { y in
          guard let yb = y.baseAddress else { return }
          vectorDotProduct(base, into: yb)
        }
        return output
      }
    }
    let lanes = mode == .llamaCpp ? LlamaCppBuild.selected.lanes : 16
    let rows = rows
    let columns = columns
    let rowBytes = rowBytes
    let dtype = view.dtype
    let kernels = KernelLevel.selected.kernels
    return vectors.withUnsafeBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return [] }
      nonisolated(unsafe) let x = base
      return forEachRow(count: count) { weights, range, y in
        kernels.multiplyRows(
          weights: weights, rowBytes: rowBytes, dtype: dtype, rows: rows, columns: columns,
          first: range.lowerBound, end: range.upperBound, input: x, count: count, lanes: lanes,
          output: y)
      }
    }
  }

  /// Whether llama.cpp sums a product of these rows with `ggml_vec_dot_f32` / `_f16` / `_bf16`:
  /// one vector `alone` in its product (a one-token micro-batch, or one output row of it, which
  /// tinyBLAS declines) times F32, F16 or BF16 rows, in llama.cpp numerics.
  func usesVectorDot(alone: Bool, mode: NumericMode) -> Bool {
    mode == .llamaCpp && alone && [.f32, .f16, .bf16].contains(view.dtype)
  }

  /// `W · x` for one vector `x` already rounded to the rows' `vec_dot_type`, in ggml's
  /// `vec_dot` order of the selected ``LlamaCppBuild``, rows split over the cores.
  func vectorDotProduct(_ x: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>) {
    let columns = columns
    let rowBytes = rowBytes
    let dtype = view.dtype
    let lanes = LlamaCppBuild.selected.lanes
    let kernels = KernelLevel.selected.kernels
    nonisolated(unsafe) let input = x
    let values = forEachRow(count: 1) { weights, range, y in
      kernels.vectorDotRows(
        weights: weights, rowBytes: rowBytes, dtype: dtype, columns: columns,
        first: range.lowerBound, end: range.upperBound, input: input, lanes: lanes, output: y)
    }
    values.withUnsafeBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return }
      output.update(from: base, count: buffer.count)
    }
  }

  /// Q8_0 rows times Q8_0 activations (tinyBLAS order), or Q4_1 rows times Q8_1 activations
  /// (`ggml_vec_dot_q4_1_q8_1` order) when `minimums`.
  private func multiplyBlocks(_ input: [Float], count: Int, minimums: Bool) -> [Float] {
    let activations = BlockActivations(input, columns: columns, withSums: minimums)
    let rows = rows
    let columns = columns
    let rowBytes = rowBytes
    return activations.lanes.withUnsafeBufferPointer { lanes in
      activations.quants.withUnsafeBufferPointer { quants in
        activations.scales.withUnsafeBufferPointer { scales in
          activations.sums.withUnsafeBufferPointer { sums in
            guard let laneBase = lanes.baseAddress, let quantBase = quants.baseAddress,
              let scaleBase = scales.baseAddress
            else {
              return []
            }
            nonisolated(unsafe) let a = laneBase
            nonisolated(unsafe) let q = quantBase
            nonisolated(unsafe) let ad = scaleBase
            // Q8_0 activations have no sums; the pointer is then never read.
            nonisolated(unsafe) let asum = sums.baseAddress ?? scaleBase
            let kernels = KernelLevel.selected.kernels
            return forEachRow(count: count) { weights, range, y in
              kernels.multiplyBlockRows(
                weights: weights, rowBytes: rowBytes, rows: rows, columns: columns,
                first: range.lowerBound, end: range.upperBound, activations: a, quants: q,
                activationScales: ad, activationSums: asum, count: count, minimums: minimums,
                output: y)
            }
          }
        }
      }
    }
  }

  /// Runs `body(weights, rows, output)` for chunks of rows split over the cores; `body`
  /// writes only the columns `rows` of the `count × rows` output.
  private func forEachRow(
    count: Int,
    _ body: @Sendable (UnsafeRawPointer, Range<Int>, UnsafeMutablePointer<Float>) -> Void
  ) -> [Float] {
    var output = [Float](repeating: 0, count: count * rows)
    let rows = rows
    view.withUnsafeBytes { raw in
      output.withUnsafeMutableBufferPointer { outputBuffer in
        guard let weights = raw.baseAddress, let y = outputBuffer.baseAddress else { return }
        nonisolated(unsafe) let w = weights
        nonisolated(unsafe) let ys = y
        let chunks = Swift.max(1, Swift.min(rows / 16, Self.workerCount * 4))
        if chunks == 1 {
          body(w, 0..<rows, ys)
          return
        }
        Parallelism.perform(iterations: chunks) { chunk in
          body(w, (rows * chunk / chunks)..<(rows * (chunk + 1) / chunks), ys)
        }
      }
    }
    return output
  }

  static var workerCount: Int { Parallelism.threadCount }
}
