// The C math library is this module's only import: `log` and `pow` in Double for the
// Hugging Face form, and `logf`, `powf`, `cosf`, `sinf` in Float for the ggml form, so that the
// ggml reproduction calls the very functions llama.cpp calls on the same platform.
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Thin wrappers over the C math library, named so they never shadow the C functions.
enum LibM {
  /// π as Python's `math.pi` and C's `M_PI` round it (the nearest Double).
  static let pi: Double = 3.141592653589793
  /// `(float)M_PI` as ggml writes it: π rounded to the nearest Float.
  ///
  /// `Float.pi` is rounded toward zero, one ulp lower, so it would not reproduce ggml.
  static let piFloat = Float(pi)

  static func ln(_ x: Double) -> Double { log(x) }
  static func power(_ x: Double, _ y: Double) -> Double { pow(x, y) }
  static func lnFloat(_ x: Float) -> Float { logf(x) }
  static func powerFloat(_ x: Float, _ y: Float) -> Float { powf(x, y) }
  static func cosFloat(_ x: Float) -> Float { cosf(x) }
  static func sinFloat(_ x: Float) -> Float { sinf(x) }
}
