import Tensors

/// The `.exact` matrix product, tiled: the same value for every output as
/// ``WeightMatrix/multiply(_:count:mode:)`` — each is still one chain of 16 fused lanes over the
/// decoded row, reduced as `_mm512_reduce_add_ps` — computed several at a time so the fused
/// multiply-adds of independent outputs overlap instead of waiting on one accumulator, on rows
/// decoded once per block of input vectors that stays in the L2 cache (the selected
/// ``KernelLevel``'s `tiledRows`, one call per share of rows).
///
/// Only the loop order changes, never the arithmetic of an output, so the results are bit for
/// bit those of `multiply` (checked by `BatchedForwardTests`). `.llamaCpp` products take the
/// tiles on activations rounded to the weight's `vec_dot_type`, except Q8_0 and Q4_1 rows, which
/// llama.cpp multiplies in integer blocks (`multiply` itself, as are rows whose length is not a
/// multiple of 16).
extension WeightMatrix {
  /// `input · Wᵀ` for `count` vectors of ``columns`` values into `output` (`count × rows`
  /// values, row-major), split over ``Parallelism/threadCount`` threads; `alone` as
  /// ``multiply(_:count:mode:alone:)``'s.
  func product(
    _ input: UnsafePointer<Float>, count: Int, mode: NumericMode, alone: Bool? = nil,
    into output: UnsafeMutablePointer<Float>
  ) {
    guard count > 0 else { return }
    let vectorDot = count == 1 && usesVectorDot(alone: alone ?? true, mode: mode)
    // The kernels' chains need whole vectors: 16 lanes, or the llama.cpp build's.
    let lanes = mode == .llamaCpp ? LlamaCppBuild.selected.lanes : 16
    let tiles = columns.isMultiple(of: lanes)
    if mode == .llamaCpp, tiles || vectorDot, !multipliesInIntegerBlocks {
      // `multiply` in llama.cpp numerics: the rounded activations times the decoded rows in
      // the same chains, so the tiles give its values on the rounded input.
      let rounded = ActivationRounding.rounded(
        Array(UnsafeBufferPointer(start: input, count: count * columns)), columns: columns,
        forWeight: view.dtype)
      rounded.withUnsafeBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        if vectorDot {
          vectorDotProduct(base, into: output)
        } else {
          tiledProduct(base, count: count, lanes: lanes, into: output)
        }
      }
      return
    }
    guard mode == .exact, tiles else {
      let values = multiply(
        Array(UnsafeBufferPointer(start: input, count: count * columns)), count: count,
        mode: mode, alone: alone)
      values.withUnsafeBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        output.update(from: base, count: buffer.count)
      }
      return
    }
    tiledProduct(input, count: count, lanes: 16, into: output)
  }

  /// The tiled product of `count` vectors in chains of `lanes` (the body of
  /// ``product(_:count:mode:into:)``).
  private func tiledProduct(
    _ input: UnsafePointer<Float>, count: Int, lanes: Int,
    into output: UnsafeMutablePointer<Float>
  ) {
    let rows = rows
    let columns = columns
    let rowBytes = rowBytes
    let dtype = view.dtype
    // Rows per share: about eight shares per thread, whole tiles of 8 rows.
    let threads = Parallelism.threadCount
    let perShare = Swift.max(8, (rows + threads * 8 - 1) / (threads * 8) + 7) / 8 * 8
    let shares = (rows + perShare - 1) / perShare
    nonisolated(unsafe) let x = input
    nonisolated(unsafe) let y = output
    let kernels = KernelLevel.selected.kernels
    view.withUnsafeBytes { raw in
      guard let base = raw.baseAddress else { return }
      nonisolated(unsafe) let weights = base
      Parallelism.perform(iterations: shares) { share in
        let first = share * perShare
        kernels.tiledRows(
          weights: weights, rowBytes: rowBytes, dtype: dtype, rows: rows, columns: columns,
          first: first, end: Swift.min(rows, first + perShare), input: x, count: count,
          lanes: lanes, output: y)
      }
    }
  }
}
