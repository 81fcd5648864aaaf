public import Inference

/// llama.cpp's Q/K row permutation: `permute` in `convert_hf_to_gguf.py`, which reorders each
/// head's rows from transformers' halves pairing to the adjacent pairs a
/// `LLAMA_ROPE_TYPE_NORM` graph rotates.
///
/// ```python
/// w.reshape(n_head, 2, rows // n_head // 2, *rest).swapaxes(1, 2).reshape(w.shape)
/// ```
///
/// Destination row `h·d + 2i + j` is source row `h·d + j·d/2 + i` (`d` rows per head,
/// `i < d/2`, `j ∈ {0, 1}`). Keys use the KV head count (the converter passes `n_head_kv`).
public enum QueryKeyPermutation {
  /// For each GGUF row, the transformers row it comes from.
  public static func sourceRows(rows: Int, heads: Int) -> [Int] {
    guard heads > 0, rows % heads == 0, (rows / heads) % 2 == 0 else { return Array(0..<rows) }
    let d = rows / heads
    var source = [Int](repeating: 0, count: rows)
    for h in 0..<heads {
      for i in 0..<(d / 2) {
        for j in 0..<2 { source[h * d + 2 * i + j] = h * d + j * (d / 2) + i }
      }
    }
    return source
  }

  /// `view` (transformers order) with its rows permuted as the converter writes GGUF; with
  /// `inverse`, GGUF order back to transformers'.
  ///
  /// Rows are moved whole, so any element type works, block-quantized ones included.
  public static func apply(_ view: TensorView, heads: Int, inverse: Bool = false)
    throws(InferenceError) -> TensorView
  {
    let rows = view.shape.first ?? 1
    let source = sourceRows(rows: rows, heads: heads)
    var order = source
    if inverse { for (destination, from) in source.enumerated() { order[from] = destination } }
    return try RowGather.gather(view, rows: order, name: view.name, shape: view.shape)
  }
}
