import Tensors

/// Activations quantized to ggml's `block_q8_0` or `block_q8_1` (32 values per block), kept
/// as exact small-integer Floats in the lane order of llama.cpp's 8-lane integer dot products.
///
/// Block element `e` sits at `(e mod 4)·8 + e/4`: vector `b` (8 Floats) holds elements
/// `4k + b` for lanes `k = 0..<8`, so `Σ_b W_b·A_b` over the four vectors gives, per lane `k`,
/// the exact integer sum of elements `4k…4k+3` that AVX2's `maddubs`/`madd` (or AVX-512 VNNI's
/// `dpbusd`) leave in lane `k`.
struct BlockActivations: Sendable {
  /// Values per block.
  static let blockSize = 32

  /// `count × columns` quants, lane-ordered per block.
  var lanes: [Float]
  /// The same quants as bytes in element order, as `block_q8_0`/`block_q8_1` hold them (what
  /// the integer dot products read).
  var quants: [Int8]
  /// Per block: the F16-rounded scale `d`.
  var scales: [Float]
  /// Per block (Q8_1 only): the F16-rounded `s = d·Σq` with the unrounded `d`.
  var sums: [Float]
  /// Blocks per vector.
  let blocksPerVector: Int

  /// ggml `quantize_row_q8_0` / `quantize_row_q8_1` (x86 AVX path) of `input`, vectors of
  /// `columns` values (a multiple of 32).
  ///
  /// Per block: `amax = max|x|`, `d = amax/127` (stored as F16), `id = 127/amax` (0 when
  /// `amax` is 0), `q = round_half_even(x·id)`; Q8_1 adds `s = F16(d·Σq)`.
  init(_ input: [Float], columns: Int, withSums: Bool) {
    precondition(columns.isMultiple(of: Self.blockSize), "columns must be whole blocks")
    let blocks = input.count / Self.blockSize
    blocksPerVector = columns / Self.blockSize
    var lanes = [Float](repeating: 0, count: input.count)
    var quants = [Int8](repeating: 0, count: input.count)
    var scales = [Float](repeating: 0, count: blocks)
    var sums = [Float](repeating: 0, count: withSums ? blocks : 0)
    input.withUnsafeBufferPointer { x in
      lanes.withUnsafeMutableBufferPointer { out in
        for block in 0..<blocks {
          let base = block * Self.blockSize
          var amax: Float = 0
          for i in base..<(base + Self.blockSize) { amax = max(amax, x[i].magnitude) }
          let d = amax / 127
          scales[block] = HalfFloat.float(fromHalf: HalfFloat.half(from: d))
          let id: Float = amax != 0 ? 127 / amax : 0
          var total = 0
          for e in 0..<Self.blockSize {
            let q = (x[base + e] * id).rounded(.toNearestOrEven)
            total += Int(q)
            out[base + (e & 3) * 8 + (e >> 2)] = q
            // |q| ≤ 127; a NaN or infinite input (its block's scale is then NaN or ∞ too)
            // gives x86's integer indefinite saturated to a byte, as ggml's conversion does.
            quants[base + e] = q.isFinite ? Int8(clamping: Int(q)) : -128
          }
          if withSums {
            sums[block] = HalfFloat.float(fromHalf: HalfFloat.half(from: d * Float(total)))
          }
        }
      }
    }
    self.lanes = lanes
    self.quants = quants
    self.scales = scales
    self.sums = sums
  }
}
