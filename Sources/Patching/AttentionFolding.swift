public import Formats
public import Models
public import Tensors

/// Folds a RoPE attention factor `m` into the weights that make queries and keys, so that
/// `q·k` grows by `m²` with no runtime help, as YaRN's cos/sin magnitude makes it grow.
///
/// Rotation is linear, so scaling `q` and `k` before it equals scaling cos and sin. What gets
/// scaled is the last linear map before the rotation: the Q and K projections (and their
/// biases), or, where the architecture normalizes after projecting (Qwen3, OLMo 2, Gemma 3),
/// the q/k norm weights instead. Quantized tensors are scaled through their block scales
/// (every dequantized value is a linear function of them), never re-quantized.
public enum AttentionFolding {
  /// The tensors to scale in a checkpoint with these tensor names (GGUF or transformers
  /// names), in file order.
  ///
  /// - Throws: ``PatchError/Kind/unsupported`` for a fused QKV projection (scaling it whole
  ///   would scale V too) and when no query/key tensor is found.
  public static func targets(in names: [String], path: String) throws(PatchError) -> [String] {
    let fused = names.first { name in
      name.hasSuffix(".attn_qkv.weight") || name.hasSuffix(".qkv_proj.weight")
        || name.hasSuffix(".query_key_value.weight") || name.hasSuffix(".c_attn.weight")
    }
    if let fused {
      throw PatchError(
        .unsupported, path: path, key: fused,
        "'\(fused)' projects Q, K and V in one tensor; folding the attention factor into it"
          + " would scale V too. Keep the attention factor in metadata (omit --bake-attention)")
    }
    let normalized = names.contains { isQueryKeyNorm($0) }
    let targets = names.filter { name in
      normalized ? isQueryKeyNorm(name) : isQueryKeyProjection(name)
    }
    guard !targets.isEmpty else {
      throw PatchError(
        .unsupported, path: path,
        "no query/key projection found (blk.N.attn_q.weight or"
          + " model.layers.N.self_attn.q_proj.weight); cannot fold the attention factor")
    }
    return targets
  }

  static func isQueryKeyNorm(_ name: String) -> Bool {
    [
      ".attn_q_norm.weight", ".attn_k_norm.weight", ".self_attn.q_norm.weight",
      ".self_attn.k_norm.weight",
    ].contains { name.hasSuffix($0) }
  }

  static func isQueryKeyProjection(_ name: String) -> Bool {
    [
      ".attn_q.weight", ".attn_k.weight", ".attn_q.bias", ".attn_k.bias",
      ".self_attn.q_proj.weight", ".self_attn.k_proj.weight", ".self_attn.q_proj.bias",
      ".self_attn.k_proj.bias",
    ].contains { name.hasSuffix($0) }
  }

  /// Whether ``scaled(_:in:by:endianness:path:)`` can scale tensors of `dtype`.
  public static func canScale(_ dtype: DType) -> Bool {
    dtype == .f32 || dtype == .f16 || dtype == .bf16 || dtype == .f64
      || dtype.blockScaleOffsets != nil
  }

  /// The bytes of `entry` (in `file`) with every value multiplied by `factor`, rounded once
  /// to the tensor's own type (for quantized types: its block scales), as a stream.
  ///
  /// - Throws: ``PatchError/Kind/unsupported`` for a type whose values are not linear in a
  ///   stored scale (the IQ and FP4 codebooks) or an integer type.
  public static func scaled(
    _ entry: TensorEntry, in file: MappedFile, by factor: Double, endianness: Endianness,
    path: String
  ) throws(PatchError) -> TensorData {
    let dtype = entry.dtype
    guard canScale(dtype) else {
      throw PatchError(
        .unsupported, path: path, key: entry.name,
        "'\(entry.name)' is \(dtype.name): its values are not linear in a stored scale, so"
          + " the attention factor cannot be folded into it; omit --bake-attention")
    }
    let range = entry.byteRange
    let little = endianness == .little
    let unit = dtype.isQuantized ? dtype.blockBytes : max(dtype.blockBytes, 1)
    // Chunks of whole blocks (or elements), ~1 MiB each.
    let chunk = max(unit, (1 << 20) / unit * unit)
    let scales = dtype.blockScaleOffsets
    let multiplier = Float(factor)
    return .stream(byteCount: range.count) { (sink) throws(FormatError) in
      var start = range.lowerBound
      while start < range.upperBound {
        let end = min(start + chunk, range.upperBound)
        var bytes = file.bytes(in: start..<end)
        bytes.withUnsafeMutableBytes { raw in
          func half(at offset: Int) {
            let bits = load16(raw, offset, little)
            store16(
              raw, offset, HalfFloat.half(from: HalfFloat.float(fromHalf: bits) * multiplier),
              little)
          }
          func single(at offset: Int) {
            let bits = load32(raw, offset, little)
            store32(raw, offset, (Float(bitPattern: bits) * multiplier).bitPattern, little)
          }
          switch dtype {
          case .f32:
            for offset in stride(from: 0, to: raw.count, by: 4) { single(at: offset) }
          case .f64:
            for offset in stride(from: 0, to: raw.count, by: 8) {
              var bits: UInt64 = 0
              for byte in 0..<8 {
                bits |= UInt64(raw[offset + (little ? byte : 7 - byte)]) << (8 * byte)
              }
              let value = (Double(bitPattern: bits) * factor).bitPattern
              for byte in 0..<8 {
                raw[offset + (little ? byte : 7 - byte)] = UInt8(
                  truncatingIfNeeded: value >> (8 * byte))
              }
            }
          case .f16:
            for offset in stride(from: 0, to: raw.count, by: 2) { half(at: offset) }
          case .bf16:
            for offset in stride(from: 0, to: raw.count, by: 2) {
              let bits = load16(raw, offset, little)
              store16(
                raw, offset,
                HalfFloat.bfloat16(from: HalfFloat.float(fromBFloat16: bits) * multiplier), little)
            }
          default:
            guard let scales else { return }
            for block in stride(from: 0, to: raw.count, by: unit) {
              for offset in scales.half { half(at: block + offset) }
              for offset in scales.single { single(at: block + offset) }
            }
          }
        }
        try sink.write(bytes)
        start = end
      }
    }
  }

  private static func load16(_ raw: UnsafeMutableRawBufferPointer, _ at: Int, _ little: Bool)
    -> UInt16
  {
    let a = UInt16(raw[at])
    let b = UInt16(raw[at + 1])
    return little ? a | b << 8 : a << 8 | b
  }

  private static func store16(
    _ raw: UnsafeMutableRawBufferPointer, _ at: Int, _ value: UInt16, _ little: Bool
  ) {
    raw[at] = UInt8(truncatingIfNeeded: little ? value : value >> 8)
    raw[at + 1] = UInt8(truncatingIfNeeded: little ? value >> 8 : value)
  }

  private static func load32(_ raw: UnsafeMutableRawBufferPointer, _ at: Int, _ little: Bool)
    -> UInt32
  {
    var value: UInt32 = 0
    for byte in 0..<4 { value |= UInt32(raw[at + (little ? byte : 3 - byte)]) << (8 * byte) }
    return value
  }

  private static func store32(
    _ raw: UnsafeMutableRawBufferPointer, _ at: Int, _ value: UInt32, _ little: Bool
  ) {
    for byte in 0..<4 {
      raw[at + (little ? byte : 3 - byte)] = UInt8(truncatingIfNeeded: value >> (8 * byte))
    }
  }
}
