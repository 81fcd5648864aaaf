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
      lanes.withUnsafeMutableBufferPointer { lanes in
        quants.withUnsafeMutableBufferPointer { quants in
          scales.withUnsafeMutableBufferPointer { scales in
            sums.withUnsafeMutableBufferPointer { sums in
              nonisolated(unsafe) let x = x
              nonisolated(unsafe) let lanes = lanes
              nonisolated(unsafe) let quants = quants
              nonisolated(unsafe) let scales = scales
              nonisolated(unsafe) let sums = sums
              // Blocks are independent: a prompt's (thousands of them) go over the cores.
              Kernels.inParallel(count: blocks, minimum: 256) { range in
                for block in range {
                  Self.quantize(
                    block, of: x, withSums: withSums, lanes: lanes, quants: quants,
                    scales: scales, sums: sums)
                }
              }
            }
          }
        }
      }
    }
    self.lanes = lanes
    self.quants = quants
    self.scales = scales
    self.sums = sums
  }

  /// One block of ``init(_:columns:withSums:)``.
  private static func quantize(
    _ block: Int, of x: UnsafeBufferPointer<Float>, withSums: Bool,
    lanes: UnsafeMutableBufferPointer<Float>, quants: UnsafeMutableBufferPointer<Int8>,
    scales: UnsafeMutableBufferPointer<Float>, sums: UnsafeMutableBufferPointer<Float>
  ) {
    let base = block * blockSize
    var amax: Float = 0
    for i in base..<(base + blockSize) { amax = max(amax, x[i].magnitude) }
    let d = amax / 127
    scales[block] = HalfFloat.float(fromHalf: HalfFloat.half(from: d))
    let id: Float = amax != 0 ? 127 / amax : 0
    var total = 0
    for e in 0..<blockSize {
      let q = (x[base + e] * id).rounded(.toNearestOrEven)
      // |q| ≤ 127 for finite inputs. A NaN or infinity (an infinite input, or `id`
      // overflowing for a block of subnormals) becomes x86's integer indefinite saturated
      // to a byte, −128, as ggml's conversion does; the Float lanes hold the same integers.
      let quant: Int8 = q.isFinite ? Int8(clamping: Int(q)) : -128
      total += Int(quant)
      lanes[base + (e & 3) * 8 + (e >> 2)] = Float(quant)
      quants[base + e] = quant
    }
    if withSums {
      sums[block] = HalfFloat.float(fromHalf: HalfFloat.half(from: d * Float(total)))
    }
  }
}
