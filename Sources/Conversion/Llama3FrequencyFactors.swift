import RoPE

#if canImport(Glibc)
import Glibc
#endif

/// llama3's `rope_freqs.weight` as convert_hf_to_gguf.py computes it (`LlamaModel.
/// generate_extra_tensors`), bit for bit: torch Float32 throughout (`freqs` from
/// `base ** (arange / dim)`, then `2π / freq`, the smooth blend and its reciprocal, each
/// Python number rounded to Float32 as torch promotes it).
///
/// The `RoPE` module's ``RoPEFrequencies/frequencyFactors`` computes the same formula in Double
/// and rounds once, which is closer to the real numbers and can differ from the converter's by
/// an ulp; the converter's bytes are what llama.cpp users compare against.
enum Llama3FrequencyFactors {
  /// One factor per rotary pair (`dimension / 2`).
  static func converterForm(
    base: Double, dimension: Int, factor: Double, lowFrequencyFactor: Double,
    highFrequencyFactor: Double, originalContextLength: Int
  ) -> [Float] {
    let lowWavelength = Float(Double(originalContextLength) / lowFrequencyFactor)
    let highWavelength = Float(Double(originalContextLength) / highFrequencyFactor)
    return stride(from: 0, to: dimension, by: 2).map { i in
      let frequency = 1 / powf(Float(base), Float(i) / Float(dimension))
      let wavelength = Float(2 * Double.pi) / frequency
      if wavelength < highWavelength { return 1 }
      if wavelength > lowWavelength { return Float(factor) }
      let smooth =
        (Float(originalContextLength) / wavelength - Float(lowFrequencyFactor))
        / Float(highFrequencyFactor - lowFrequencyFactor)
      return 1 / ((1 - smooth) / Float(factor) + smooth)
    }
  }
}
