import Tensors

/// Row decoders: ggml's `dequantize_row_*` (and plain conversions) for the supported types,
/// run by the selected ``KernelLevel``'s kernels.
///
/// `count` must be a whole number of blocks of `dtype`; ``WeightMatrix`` checks that once (the
/// converter decodes only F32, F16 and BF16 here).
public enum Dequantization {
  /// Decodes `count` elements starting at `source` into `target`.
  public static func decode(
    _ source: UnsafeRawPointer, dtype: DType, count: Int, into target: UnsafeMutablePointer<Float>
  ) {
    KernelLevel.selected.kernels.decode(source, dtype: dtype, count: count, into: target)
  }
}
