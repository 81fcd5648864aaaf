import CBlockProducts
import Tensors

/// The tiles of the exact matrix product (`CompiledKernels.tiledRows`): several 16-lane fused
/// chains at once, each still one ``dotF16Lanes(_:_:count:)`` chain over the decoded row.
extension Kernels {
  /// Rows `first..<end` of the exact tiled product (``CompiledKernels/tiledRows(weights:rowBytes:dtype:rows:columns:first:end:input:count:output:)``).
  ///
  /// Input vectors go in blocks of 256 KiB, so they stay in L2 while the rows pass; rows go 8
  /// at a time with one vector (generation; Q4_1 and Q8_0 rows decoded in registers,
  /// ``generationRowTile`` at a time), else 4 at a time with 6, 3 or 1 vectors. The AVX2 level
  /// runs the same chains of prompts and of Q4_1/Q8_0 generation in C (`block_products.c`),
  /// with 8-lane accumulators: its 16 ymm registers hold eight 16-lane accumulators, not the 24
  /// of a 4×6 tile, and Swift spilled.
  static func tiledRows<V: FusedLanes>(
    _ lanes: V.Type, weights: UnsafeRawPointer, rowBytes: Int, dtype: DType, rows: Int,
    columns: Int, first: Int, end: Int, input x: UnsafePointer<Float>, count: Int,
    output y: UnsafeMutablePointer<Float>
  ) {
    let vectorBlock = Swift.max(4, 65_536 / columns)
    // Generation on Q4_1 / Q8_0 rows: blocks decoded in registers, no scratch row.
    let inRegisters =
      count == 1 && (dtype == .q4_1 || dtype == .q8_0) && V.self == SIMD16<Float>.self
    let rowTile = inRegisters ? generationRowTile : count == 1 ? 8 : 4
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: rowTile * columns)
    defer { scratch.deallocate() }
    #if SPINDLE_KERNELS_AVX2 && arch(x86_64)
    if inRegisters {
      // AVX2: the same chains in C, with registers allocated by hand (`block_products.c`).
      spindle_exact_block_rows_avx2(
        weights + first * rowBytes, rowBytes, columns / 32, end - first,
        dtype == .q4_1 ? 1 : 0, x, scratch, y + first)
      return
    }
    if count > 1 {
      promptTilesAVX2(
        V.self, weights: weights, rowBytes: rowBytes, dtype: dtype, rows: rows, columns: columns,
        first: first, end: end, input: x, count: count, vectorBlock: vectorBlock,
        scratch: scratch, output: y)
      return
    }
    #endif
    var rowPointers = [UnsafePointer<Float>](repeating: UnsafePointer(scratch), count: rowTile)
    var vectorStart = 0
    while vectorStart < count {
      let vectorEnd = Swift.min(count, vectorStart + vectorBlock)
      var r = first
      while r < end {
        let tile = Swift.min(rowTile, end - r)
        if inRegisters, tile == rowTile {
          dotBlocks(
            weights + r * rowBytes, rowBytes: rowBytes, dtype: dtype, rows: tile, x,
            count: columns, into: y + r)
          r += tile
          continue
        }
        for i in 0..<tile {
          rowPointers[i] = decodedRow(
            weights + (r + i) * rowBytes, dtype: dtype, columns: columns,
            scratch: scratch + i * columns)
        }
        if tile == 8 {
          dot8x1(
            V.self, rowPointers, x + vectorStart * columns, count: columns,
            into: y + vectorStart * rows + r)
        } else if tile == 4 {
          var t = vectorStart
          while t + 6 <= vectorEnd {
            dot4x6(
              V.self, rowPointers, x + t * columns, count: columns, into: y + t * rows + r,
              outputStride: rows)
            t += 6
          }
          while t + 3 <= vectorEnd {
            dot4x3(
              V.self, rowPointers, x + t * columns, count: columns, into: y + t * rows + r,
              outputStride: rows)
            t += 3
          }
          while t < vectorEnd {
            dot4x1(V.self, rowPointers, x + t * columns, count: columns, into: y + t * rows + r)
            t += 1
          }
        } else {
          for i in 0..<tile {
            for t in vectorStart..<vectorEnd {
              y[t * rows + r + i] = dotF16Lanes(
                V.self, rowPointers[i], x + t * columns, count: columns)
            }
          }
        }
        r += tile
      }
      vectorStart = vectorEnd
    }
  }

  #if SPINDLE_KERNELS_AVX2 && arch(x86_64)
  /// Prompt rows on AVX2: four decoded rows at a time times up to three vectors in C, each
  /// chain split into its 8-lane halves, so 12 accumulators fit the 16 ymm registers (a 4×6
  /// tile of 16-lane chains takes 48, and Swift spilled). One vector (generation) keeps the
  /// Swift tiles: eight rows at once stream the weights faster than four in C (F32 tg32
  /// 27–30 t/s against 26–29, alternating).
  @inline(__always)
  static func promptTilesAVX2<V: FusedLanes>(
    _: V.Type, weights: UnsafeRawPointer, rowBytes: Int, dtype: DType, rows: Int, columns: Int,
    first: Int, end: Int, input x: UnsafePointer<Float>, count: Int, vectorBlock: Int,
    scratch: UnsafeMutablePointer<Float>, output y: UnsafeMutablePointer<Float>
  ) {
    let tileRows = UnsafeMutablePointer<UnsafePointer<Float>?>.allocate(capacity: 4)
    defer { tileRows.deallocate() }
    var start = 0
    while start < count {
      let vectors = Swift.min(count - start, vectorBlock)
      var r = first
      while r < end {
        let tile = Swift.min(4, end - r)
        for i in 0..<4 {
          tileRows[i] =
            i < tile
            ? decodedRow(
              weights + (r + i) * rowBytes, dtype: dtype, columns: columns,
              scratch: scratch + i * columns) : tileRows[0]
        }
        spindle_float_tile_avx2(
          tileRows, tile, columns, x + start * columns, vectors, V.scalarCount,
          y + start * rows + r, rows)
        r += tile
      }
      start += vectors
    }
  }
  #endif

  /// Row values as ``Dequantization/decode(_:dtype:count:into:)`` gives them: F32 rows read in
  /// place, Q8_0 and Q4_1 decoded 16 lanes at a time with the same products and sums, the other
  /// types by `Dequantization` itself.
  @inline(__always)
  static func decodedRow(
    _ source: UnsafeRawPointer, dtype: DType, columns: Int, scratch: UnsafeMutablePointer<Float>
  ) -> UnsafePointer<Float> {
    switch dtype {
    case .f32 where Int(bitPattern: source) & 3 == 0:
      return source.assumingMemoryBound(to: Float.self)
    case .q8_0:
      decodeQ8ZeroLanes(source, count: columns, into: scratch)
    case .q4_1:
      decodeQ4OneLanes(source, count: columns, into: scratch)
    default:
      Dequantization.decode(source, dtype: dtype, count: columns, into: scratch)
    }
    return UnsafePointer(scratch)
  }

  @inline(__always)
  static func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
  }

  /// Eight ``dotF16Lanes(_:_:count:)`` of rows `w[0..<8]` with one vector, into `out[0..<8]`.
  @inline(__always)
  static func dot8x1<V: FusedLanes>(
    _: V.Type, _ w: [UnsafePointer<Float>], _ x: UnsafePointer<Float>, count: Int,
    into out: UnsafeMutablePointer<Float>
  ) {
    let (w0, w1, w2, w3, w4, w5, w6, w7) = (w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7])
    var a0 = V(repeating: 0)
    var (a1, a2, a3, a4, a5, a6, a7) = (a0, a0, a0, a0, a0, a0, a0)
    var k = 0
    while k < count {
      let v = V.load(x + k)
      a0 = a0.addingProduct(V.load(w0 + k), v)
      a1 = a1.addingProduct(V.load(w1 + k), v)
      a2 = a2.addingProduct(V.load(w2 + k), v)
      a3 = a3.addingProduct(V.load(w3 + k), v)
      a4 = a4.addingProduct(V.load(w4 + k), v)
      a5 = a5.addingProduct(V.load(w5 + k), v)
      a6 = a6.addingProduct(V.load(w6 + k), v)
      a7 = a7.addingProduct(V.load(w7 + k), v)
      k += V.scalarCount
    }
    out[0] = V.horizontalSum(a0)
    out[1] = V.horizontalSum(a1)
    out[2] = V.horizontalSum(a2)
    out[3] = V.horizontalSum(a3)
    out[4] = V.horizontalSum(a4)
    out[5] = V.horizontalSum(a5)
    out[6] = V.horizontalSum(a6)
    out[7] = V.horizontalSum(a7)
  }

  /// Four ``dotF16Lanes(_:_:count:)`` of rows `w[0..<4]` with one vector, into `out[0..<4]`.
  @inline(__always)
  static func dot4x1<V: FusedLanes>(
    _: V.Type, _ w: [UnsafePointer<Float>], _ x: UnsafePointer<Float>, count: Int,
    into out: UnsafeMutablePointer<Float>
  ) {
    let (w0, w1, w2, w3) = (w[0], w[1], w[2], w[3])
    var a0 = V(repeating: 0)
    var (a1, a2, a3) = (a0, a0, a0)
    var k = 0
    while k < count {
      let v = V.load(x + k)
      a0 = a0.addingProduct(V.load(w0 + k), v)
      a1 = a1.addingProduct(V.load(w1 + k), v)
      a2 = a2.addingProduct(V.load(w2 + k), v)
      a3 = a3.addingProduct(V.load(w3 + k), v)
      k += V.scalarCount
    }
    out[0] = V.horizontalSum(a0)
    out[1] = V.horizontalSum(a1)
    out[2] = V.horizontalSum(a2)
    out[3] = V.horizontalSum(a3)
  }

  /// Twenty-four ``dotF16Lanes(_:_:count:)``: rows `w[0..<4]` with vectors `x + j·count`,
  /// `j < 6`; vector `j`'s four go to `out + j·outputStride` (24 accumulators, 4 row loads and
  /// 6 vector loads per 24 fused multiply-adds).
  @inline(__always)
  static func dot4x6<V: FusedLanes>(
    _: V.Type, _ w: [UnsafePointer<Float>], _ x: UnsafePointer<Float>, count: Int,
    into out: UnsafeMutablePointer<Float>, outputStride: Int
  ) {
    let (w0, w1, w2, w3) = (w[0], w[1], w[2], w[3])
    let zero = V(repeating: 0)
    var (a00, a01, a02, a03) = (zero, zero, zero, zero)
    var (a10, a11, a12, a13) = (zero, zero, zero, zero)
    var (a20, a21, a22, a23) = (zero, zero, zero, zero)
    var (a30, a31, a32, a33) = (zero, zero, zero, zero)
    var (a40, a41, a42, a43) = (zero, zero, zero, zero)
    var (a50, a51, a52, a53) = (zero, zero, zero, zero)
    var k = 0
    while k < count {
      let (r0, r1, r2, r3) = (V.load(w0 + k), V.load(w1 + k), V.load(w2 + k), V.load(w3 + k))
      var v = V.load(x + k)
      a00 = a00.addingProduct(r0, v)
      a01 = a01.addingProduct(r1, v)
      a02 = a02.addingProduct(r2, v)
      a03 = a03.addingProduct(r3, v)
      v = V.load(x + count + k)
      a10 = a10.addingProduct(r0, v)
      a11 = a11.addingProduct(r1, v)
      a12 = a12.addingProduct(r2, v)
      a13 = a13.addingProduct(r3, v)
      v = V.load(x + 2 * count + k)
      a20 = a20.addingProduct(r0, v)
      a21 = a21.addingProduct(r1, v)
      a22 = a22.addingProduct(r2, v)
      a23 = a23.addingProduct(r3, v)
      v = V.load(x + 3 * count + k)
      a30 = a30.addingProduct(r0, v)
      a31 = a31.addingProduct(r1, v)
      a32 = a32.addingProduct(r2, v)
      a33 = a33.addingProduct(r3, v)
      v = V.load(x + 4 * count + k)
      a40 = a40.addingProduct(r0, v)
      a41 = a41.addingProduct(r1, v)
      a42 = a42.addingProduct(r2, v)
      a43 = a43.addingProduct(r3, v)
      v = V.load(x + 5 * count + k)
      a50 = a50.addingProduct(r0, v)
      a51 = a51.addingProduct(r1, v)
      a52 = a52.addingProduct(r2, v)
      a53 = a53.addingProduct(r3, v)
      k += V.scalarCount
    }
    func store(
      _ j: Int, _ a: V, _ b: V, _ c: V, _ d: V
    ) {
      let o = out + j * outputStride
      o[0] = V.horizontalSum(a)
      o[1] = V.horizontalSum(b)
      o[2] = V.horizontalSum(c)
      o[3] = V.horizontalSum(d)
    }
    store(0, a00, a01, a02, a03)
    store(1, a10, a11, a12, a13)
    store(2, a20, a21, a22, a23)
    store(3, a30, a31, a32, a33)
    store(4, a40, a41, a42, a43)
    store(5, a50, a51, a52, a53)
  }

  /// Twelve ``dotF16Lanes(_:_:count:)``: rows `w[0..<4]` with vectors `x`, `x + count`,
  /// `x + 2·count`; vector `j`'s four go to `out + j·outputStride`.
  @inline(__always)
  static func dot4x3<V: FusedLanes>(
    _: V.Type, _ w: [UnsafePointer<Float>], _ x: UnsafePointer<Float>, count: Int,
    into out: UnsafeMutablePointer<Float>, outputStride: Int
  ) {
    let (w0, w1, w2, w3) = (w[0], w[1], w[2], w[3])
    let (x0, x1, x2) = (x, x + count, x + 2 * count)
    let zero = V(repeating: 0)
    var (a00, a01, a02, a03) = (zero, zero, zero, zero)
    var (a10, a11, a12, a13) = (zero, zero, zero, zero)
    var (a20, a21, a22, a23) = (zero, zero, zero, zero)
    var k = 0
    while k < count {
      let (r0, r1, r2, r3) = (V.load(w0 + k), V.load(w1 + k), V.load(w2 + k), V.load(w3 + k))
      let v0 = V.load(x0 + k)
      a00 = a00.addingProduct(r0, v0)
      a01 = a01.addingProduct(r1, v0)
      a02 = a02.addingProduct(r2, v0)
      a03 = a03.addingProduct(r3, v0)
      let v1 = V.load(x1 + k)
      a10 = a10.addingProduct(r0, v1)
      a11 = a11.addingProduct(r1, v1)
      a12 = a12.addingProduct(r2, v1)
      a13 = a13.addingProduct(r3, v1)
      let v2 = V.load(x2 + k)
      a20 = a20.addingProduct(r0, v2)
      a21 = a21.addingProduct(r1, v2)
      a22 = a22.addingProduct(r2, v2)
      a23 = a23.addingProduct(r3, v2)
      k += V.scalarCount
    }
    let o0 = out
    let o1 = out + outputStride
    let o2 = out + 2 * outputStride
    o0[0] = V.horizontalSum(a00)
    o0[1] = V.horizontalSum(a01)
    o0[2] = V.horizontalSum(a02)
    o0[3] = V.horizontalSum(a03)
    o1[0] = V.horizontalSum(a10)
    o1[1] = V.horizontalSum(a11)
    o1[2] = V.horizontalSum(a12)
    o1[3] = V.horizontalSum(a13)
    o2[0] = V.horizontalSum(a20)
    o2[1] = V.horizontalSum(a21)
    o2[2] = V.horizontalSum(a22)
    o2[3] = V.horizontalSum(a23)
  }

  /// Bytes zero-extended to 32-bit lanes (`vpmovzxbd`; the stdlib's generic
  /// `init(truncatingIfNeeded:)` is not inlined).
  @inline(__always)
  static func widened(_ b: SIMD16<UInt8>) -> SIMD16<UInt32> {
    SIMD16<UInt32>(
      UInt32(b[0]), UInt32(b[1]), UInt32(b[2]), UInt32(b[3]), UInt32(b[4]), UInt32(b[5]),
      UInt32(b[6]), UInt32(b[7]), UInt32(b[8]), UInt32(b[9]), UInt32(b[10]), UInt32(b[11]),
      UInt32(b[12]), UInt32(b[13]), UInt32(b[14]), UInt32(b[15]))
  }

  /// Small unsigned integers in 32-bit lanes as exact Floats, offset by `bias`.
  @inline(__always)
  static func exactFloats16(_ n: SIMD16<UInt32>, minus bias: Float) -> SIMD16<Float> {
    unsafeBitCast(n | 0x4B00_0000, to: SIMD16<Float>.self) - SIMD16(repeating: bias)
  }

  /// `Dequantization.decodeQ8Zero`, 16 lanes at a time: `x = d·q` (one product, as there).
  @inline(__always)
  static func decodeQ8ZeroLanes(
    _ source: UnsafeRawPointer, count: Int, into y: UnsafeMutablePointer<Float>
  ) {
    for block in 0..<(count / 32) {
      let (low, high) = q8ZeroBlock(source + block * 34)
      store16(low, y + block * 32)
      store16(high, y + block * 32 + 16)
    }
  }

  /// `Dequantization.decodeQ4One`, 16 lanes at a time: `x = q·d + m` (a product, then a sum,
  /// as there; never fused).
  @inline(__always)
  static func decodeQ4OneLanes(
    _ source: UnsafeRawPointer, count: Int, into y: UnsafeMutablePointer<Float>
  ) {
    for block in 0..<(count / 32) {
      let (low, high) = q4OneBlock(source + block * 20)
      store16(low, y + block * 32)
      store16(high, y + block * 32 + 16)
    }
  }

  /// The 32 values of one `block_q8_0` at `b`, elements 0–15 and 16–31: `d·q`.
  @inline(__always)
  static func q8ZeroBlock(_ b: UnsafeRawPointer) -> (SIMD16<Float>, SIMD16<Float>) {
    let d = SIMD16<Float>(repeating: Dequantization.half(b, 0))
    let low = b.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt8>.self) ^ 0x80
    let high = b.loadUnaligned(fromByteOffset: 18, as: SIMD16<UInt8>.self) ^ 0x80
    // (2²³ + u) − (2²³ + 128) = u − 128 = q exactly.
    let q0 = exactFloats16(widened(low), minus: magic + 128)
    let q1 = exactFloats16(widened(high), minus: magic + 128)
    return (d * q0, d * q1)
  }

  /// The 32 values of one `block_q4_1` at `b`, elements 0–15 (low nibbles) and 16–31 (high
  /// nibbles): `q·d + m`, a product then a sum.
  @inline(__always)
  static func q4OneBlock(_ b: UnsafeRawPointer) -> (SIMD16<Float>, SIMD16<Float>) {
    let d = SIMD16<Float>(repeating: Dequantization.half(b, 0))
    let m = SIMD16<Float>(repeating: Dequantization.half(b, 2))
    let bytes = b.loadUnaligned(fromByteOffset: 4, as: SIMD16<UInt8>.self)
    let low = exactFloats16(widened(bytes & 0x0F), minus: magic)
    let high = exactFloats16(widened(bytes &>> 4), minus: magic)
    let lowProduct = low * d
    let highProduct = high * d
    return (lowProduct + m, highProduct + m)
  }

  /// Rows per tile of one-vector products on Q4_1 / Q8_0 blocks decoded in registers: eight
  /// rows of 16-lane accumulators are 16 zmm registers of AVX-512's 32, but would take all the
  /// registers of the baseline (AVX2 has its own C kernel). The tile shape never changes an
  /// output's chain.
  #if SPINDLE_KERNELS_AVX512
  static let generationRowTile = 8
  #else
  static let generationRowTile = 4
  #endif

  /// ``dot8x1(_:_:count:into:)`` (or ``dot4x1(_:_:_:count:into:)``) of `rows` (8 or 4)
  /// consecutive `block_q4_1` or `block_q8_0` rows (`rowBytes` apart) with one vector, each
  /// block decoded in registers by ``q4OneBlock(_:)`` or ``q8ZeroBlock(_:)``: the same chains
  /// over the same values, without writing the decoded rows.
  @inline(__always)
  static func dotBlocks(
    _ block: UnsafeRawPointer, rowBytes: Int, dtype: DType, rows: Int,
    _ x: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>
  ) {
    switch (dtype, rows) {
    case (.q4_1, 8):
      dotBlocks8x1(block, rowBytes: rowBytes, blockBytes: 20, x, count: count, into: out) {
        q4OneBlock($0)
      }
    case (.q4_1, _):
      dotBlocks4x1(block, rowBytes: rowBytes, blockBytes: 20, x, count: count, into: out) {
        q4OneBlock($0)
      }
    case (_, 8):
      dotBlocks8x1(block, rowBytes: rowBytes, blockBytes: 34, x, count: count, into: out) {
        q8ZeroBlock($0)
      }
    default:
      dotBlocks4x1(block, rowBytes: rowBytes, blockBytes: 34, x, count: count, into: out) {
        q8ZeroBlock($0)
      }
    }
  }

  @inline(__always)
  static func dotBlocks4x1(
    _ rows: UnsafeRawPointer, rowBytes: Int, blockBytes: Int, _ x: UnsafePointer<Float>,
    count: Int, into out: UnsafeMutablePointer<Float>,
    _ decode: (UnsafeRawPointer) -> (SIMD16<Float>, SIMD16<Float>)
  ) {
    var a0 = SIMD16<Float>(repeating: 0)
    var (a1, a2, a3) = (a0, a0, a0)
    var b = rows
    var k = 0
    while k < count {
      let (v0, v1) = (load16(x + k), load16(x + k + 16))
      var (w0, w1) = decode(b)
      a0 = a0.addingProduct(w0, v0).addingProduct(w1, v1)
      (w0, w1) = decode(b + rowBytes)
      a1 = a1.addingProduct(w0, v0).addingProduct(w1, v1)
      (w0, w1) = decode(b + 2 * rowBytes)
      a2 = a2.addingProduct(w0, v0).addingProduct(w1, v1)
      (w0, w1) = decode(b + 3 * rowBytes)
      a3 = a3.addingProduct(w0, v0).addingProduct(w1, v1)
      b += blockBytes
      k += 32
    }
    out[0] = reduce16(a0)
    out[1] = reduce16(a1)
    out[2] = reduce16(a2)
    out[3] = reduce16(a3)
  }

  @inline(__always)
  static func dotBlocks8x1(
    _ rows: UnsafeRawPointer, rowBytes: Int, blockBytes: Int, _ x: UnsafePointer<Float>,
    count: Int, into out: UnsafeMutablePointer<Float>,
    _ decode: (UnsafeRawPointer) -> (SIMD16<Float>, SIMD16<Float>)
  ) {
    var a0 = SIMD16<Float>(repeating: 0)
    var (a1, a2, a3, a4, a5, a6, a7) = (a0, a0, a0, a0, a0, a0, a0)
    var b = rows
    var k = 0
    while k < count {
      let (v0, v1) = (load16(x + k), load16(x + k + 16))
      var (w0, w1) = decode(b)
      a0 = a0.addingProduct(w0, v0).addingProduct(w1, v1)
      (w0, w1) = decode(b + rowBytes)
      a1 = a1.addingProduct(w0, v0).addingProduct(w1, v1)
      (w0, w1) = decode(b + 2 * rowBytes)
      a2 = a2.addingProduct(w0, v0).addingProduct(w1, v1)
      (w0, w1) = decode(b + 3 * rowBytes)
      a3 = a3.addingProduct(w0, v0).addingProduct(w1, v1)
      (w0, w1) = decode(b + 4 * rowBytes)
      a4 = a4.addingProduct(w0, v0).addingProduct(w1, v1)
      (w0, w1) = decode(b + 5 * rowBytes)
      a5 = a5.addingProduct(w0, v0).addingProduct(w1, v1)
      (w0, w1) = decode(b + 6 * rowBytes)
      a6 = a6.addingProduct(w0, v0).addingProduct(w1, v1)
      (w0, w1) = decode(b + 7 * rowBytes)
      a7 = a7.addingProduct(w0, v0).addingProduct(w1, v1)
      b += blockBytes
      k += 32
    }
    out[0] = reduce16(a0)
    out[1] = reduce16(a1)
    out[2] = reduce16(a2)
    out[3] = reduce16(a3)
    out[4] = reduce16(a4)
    out[5] = reduce16(a5)
    out[6] = reduce16(a6)
    out[7] = reduce16(a7)
  }
}
