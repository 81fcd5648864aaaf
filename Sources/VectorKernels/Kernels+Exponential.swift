extension Kernels {
  /// `expf` of eight values at once, bit for bit what glibc's `expf` returns on a CPU with FMA.
  ///
  /// glibc (2.28 on, `sysdeps/ieee754/flt-32/e_expf.c`, the `__expf_fma` variant x86-64 picks
  /// when the CPU has FMA) computes in Double: `k = round(x·32/ln2)` (by adding `0x1.8p52`),
  /// `r = x·32/ln2 − k` (fused), `s = 2^(k/32)` from a 32-entry table, then
  /// `eˣ ≈ s·((C₀r + C₁)·r² + (C₂r + 1))` with every `a·b + c` fused, rounded once to Float.
  /// Lanes with `|x| ≥ 88`, infinities or NaN take glibc's own `expf`, so every input
  /// matches it. The softmaxes call this so their exponentials cost a few vector operations
  /// instead of a library call each; the values are those of ``CMath/exp(_:)``.
  @inline(__always)
  static func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
    // Bit 11 of `top + 0x3d5` is set where top ≥ 0x42b (|x| ≥ 88, infinities, NaN).
    let large = unsafeBitCast((((bits &>> 20) & 0x7ff) &+ 0x3d5) & 0x800, to: SIMD4<UInt64>.self)
    let xd = widened(x)
    let shift = SIMD8<Double>(repeating: ExpTable.shift)
    let inverseLn2N = SIMD8<Double>(repeating: ExpTable.inverseLn2N)
    let shifted = shift.addingProduct(inverseLn2N, xd)
    let ki = unsafeBitCast(shifted, to: SIMD8<UInt64>.self)
    let kd = shifted - shift
    let r = (-kd).addingProduct(inverseLn2N, xd)
    var t = ki &<< 47
    ExpTable.twoToTheIOver32.withUnsafeBufferPointer { table in
      for lane in 0..<8 { t[lane] &+= table[Int(truncatingIfNeeded: ki[lane] & 31)] }
    }
    let s = unsafeBitCast(t, to: SIMD8<Double>.self)
    let z = SIMD8<Double>(repeating: ExpTable.c1).addingProduct(
      SIMD8(repeating: ExpTable.c0), r)
    let r2 = r * r
    let y0 = SIMD8<Double>(repeating: 1).addingProduct(r, SIMD8(repeating: ExpTable.c2))
    let y = y0.addingProduct(z, r2) * s
    var result = narrowed(y)
    if large[0] | large[1] | large[2] | large[3] != 0 {
      for lane in 0..<8 where (bits[lane] >> 20) & 0x7ff >= 0x42b {
        result[lane] = CMath.exp(x[lane])
      }
    }
    return result
  }

  // The conversions lane by lane: the standard library's generic SIMD conversions and
  // reductions were compiled as out-of-line calls inside the attention softmax.

  /// `x` in Double, lane by lane.
  @inline(__always)
  static func widened(_ x: SIMD8<Float>) -> SIMD8<Double> {
    SIMD8(
      Double(x[0]), Double(x[1]), Double(x[2]), Double(x[3]), Double(x[4]), Double(x[5]),
      Double(x[6]), Double(x[7]))
  }

  /// `x` in Double, lane by lane.
  @inline(__always)
  static func widened(_ x: SIMD4<Float>) -> SIMD4<Double> {
    SIMD4(Double(x[0]), Double(x[1]), Double(x[2]), Double(x[3]))
  }

  /// `y` rounded to Float, lane by lane.
  @inline(__always)
  static func narrowed(_ y: SIMD8<Double>) -> SIMD8<Float> {
    SIMD8(
      Float(y[0]), Float(y[1]), Float(y[2]), Float(y[3]), Float(y[4]), Float(y[5]),
      Float(y[6]), Float(y[7]))
  }

  /// The constants of glibc's `__exp2f_data` that `expf` uses (`N = 32`).
  enum ExpTable {
    static let shift = Double(bitPattern: 0x4338_0000_0000_0000)  // 0x1.8p52
    static let inverseLn2N = Double(bitPattern: 0x4047_1547_652b_82fe)  // 32/ln2
    static let c0 = Double(bitPattern: 0x3ebc_6af8_4b91_2394)
    static let c1 = Double(bitPattern: 0x3f2e_bfce_50fa_c4f3)
    static let c2 = Double(bitPattern: 0x3f96_2e42_ff0c_52d6)
    /// `asuint64(2^(i/32)) − (i << 47)`.
    static let twoToTheIOver32: [UInt64] = [
      0x3ff0_0000_0000_0000, 0x3fef_d9b0_d315_8574, 0x3fef_b558_6cf9_890f, 0x3fef_9301_d012_5b51,
      0x3fef_72b8_3c7d_517b, 0x3fef_5487_3168_b9aa, 0x3fef_387a_6e75_6238, 0x3fef_1e9d_f51f_dee1,
      0x3fef_06fe_0a31_b715, 0x3fee_f1a7_373a_a9cb, 0x3fee_dea6_4c12_3422, 0x3fee_ce08_6061_892d,
      0x3fee_bfda_d536_2a27, 0x3fee_b42b_569d_4f82, 0x3fee_ab07_dd48_5429, 0x3fee_a47e_b03a_5585,
      0x3fee_a09e_667f_3bcd, 0x3fee_9f75_e8ec_5f74, 0x3fee_a114_73eb_0187, 0x3fee_a589_994c_ce13,
      0x3fee_ace5_422a_a0db, 0x3fee_b737_b0cd_c5e5, 0x3fee_c491_82a3_f090, 0x3fee_d503_b23e_255d,
      0x3fee_e89f_995a_d3ad, 0x3fee_ff76_f2fb_5e47, 0x3fef_199b_dd85_529c, 0x3fef_3720_dcef_9069,
      0x3fef_5818_dcfb_a487, 0x3fef_7c97_337b_9b5f, 0x3fef_a4af_a2a4_90da, 0x3fef_d076_5b6e_4540,
    ]
  }
}
