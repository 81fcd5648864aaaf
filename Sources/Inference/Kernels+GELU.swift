import Tensors

extension Kernels {
  /// `x/2 · (1 + erf(x/√2))` in Float (`erff`): transformers' `"gelu"` (PyTorch's default
  /// `gelu`).
  @inline(__always)
  static func geluErf(_ x: Float) -> Float {
    0.5 * x * (1 + CMath.erf(x * 0.707_106_781_186_547_524_4))
  }

  /// `x/2 · (1 + tanh(√(2/π)·(x + 0.044715·x³)))` in Float: transformers' `"gelu_new"` and
  /// `"gelu_pytorch_tanh"`.
  @inline(__always)
  static func geluTanh(_ x: Float) -> Float {
    let inner: Float = 0.797_884_560_802_865_355_88 * (x + 0.044715 * x * x * x)
    return 0.5 * x * (1 + CMath.tanh(inner))
  }

  /// ggml's `ggml_gelu_f32` as GCC compiles it for x86 (`-march=native`, contraction on):
  /// `0.5f·x·(1 + tanhf(√(2/π)·x·fma(0.044715·x, x, 1)))`, the formula of ggml's F16 table.
  @inline(__always)
  static func ggmlGELUFormula(_ x: Float) -> Float {
    let a: Float = 0.044715
    let root: Float = 0.797_884_560_802_865_355_879_892_119_868_76
    let polynomial = Float(1).addingProduct(a * x, x)
    return 0.5 * x * (1 + CMath.tanh(root * x * polynomial))
  }

  /// ggml's `ggml_table_gelu_f16`, decoded: entry `h` is `F16(ggmlGELUFormula(F32(h)))` for
  /// every binary16 bit pattern `h`, as `ggml_cpu_init` fills it.
  static let ggmlGELUTable: [Float] = (0...UInt16.max).map { bits in
    HalfFloat.float(
      fromHalf: HalfFloat.half(from: ggmlGELUFormula(HalfFloat.float(fromHalf: bits))))
  }

  /// GELU as llama.cpp's CPU backend computes `ggml_gelu` on F32 (`ggml_vec_gelu_f32` with
  /// `GGML_GELU_FP16`, which `ggml-cpu/vec.h` defines unconditionally): `0` for `x ≤ −10`, `x`
  /// for `x ≥ 10`, otherwise the table entry of `F16(x)`, read back as Float.
  @inline(__always)
  static func geluGGML(_ x: Float) -> Float {
    if x <= -10 { return 0 }
    if x >= 10 { return x }
    return ggmlGELUTable[Int(HalfFloat.half(from: x))]
  }
}
