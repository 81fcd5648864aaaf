/// Keys laid out for kernels that score 16 keys per vector.
///
/// Group `g` holds keys `16g…16g+15`: for each head component `t`, the 16 keys' component `t`
/// side by side (`16·d` Floats per group). Groups run to a whole tile of
/// ``tile`` keys, zero past the last key, so a kernel may read whole tiles.
public enum TransposedKeys {
  /// Keys per vector.
  public static let width = 16
  /// Keys the layout is padded to a multiple of.
  public static let tile = 64

  /// Floats the layout of `rows` keys of `dimension` components takes.
  public static func count(rows: Int, dimension: Int) -> Int {
    (rows + tile - 1) / tile * tile * dimension
  }

  /// Writes `rows` keys (`stride` Floats apart, `dimension` components each) into `target`
  /// (``count(rows:dimension:)`` Floats).
  public static func transpose(
    keys: UnsafePointer<Float>, stride: Int, rows: Int, dimension d: Int,
    into target: UnsafeMutablePointer<Float>
  ) {
    let padded = (rows + tile - 1) / tile * tile
    for group in 0..<(padded / width) {
      let out = target + group * width * d
      for lane in 0..<width {
        let row = group * width + lane
        if row < rows {
          let key = keys + row * stride
          for t in 0..<d { out[t * width + lane] = key[t] }
        } else {
          for t in 0..<d { out[t * width + lane] = 0 }
        }
      }
    }
  }
}
