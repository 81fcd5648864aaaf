extension DType {
  /// Where a quantized block keeps the scales its values are linear in: byte offsets of the
  /// F16 scales (`half`) and F32 scales (`single`) within one block; `nil` for types whose
  /// values are not linear in a stored scale (plain types, the IQ and FP4 codebooks).
  ///
  /// From ggml-common.h: Q4_0/Q5_0/Q8_0 `d`; Q4_1/Q5_1 `d` and `m`; Q8_1 `d` and `s = d·Σq`
  /// (`ggml_half d, s; int8_t qs[32]`); Q2_K `d`/`dmin` after 80 bytes of scales and quants;
  /// Q3_K `d` at 108; Q4_K/Q5_K `d`, `dmin` first; Q6_K `d` at 208; Q8_K its F32 `d` first;
  /// TQ1_0 `d` at 52; TQ2_0 `d` at 64; Q1_0/Q2_0 `d` first.
  public var blockScaleOffsets: (half: [Int], single: [Int])? {
    switch self {
    case .q4_0, .q5_0, .q8_0, .q1_0, .q2_0: ([0], [])
    case .q4_1, .q5_1, .q8_1, .q4_K, .q5_K: ([0, 2], [])
    case .q2_K: ([80, 82], [])
    case .q3_K: ([108], [])
    case .q6_K: ([208], [])
    case .tq1_0: ([52], [])
    case .tq2_0: ([64], [])
    case .q8_K: ([], [0])
    default: nil
    }
  }
}
