#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#elseif canImport(Darwin)
internal import Darwin
#endif

/// The C math functions the forward pass calls outside the vector kernels (which have their
/// own), named so they never shadow the C ones: `cosf`, `sinf`, `expf`, `tanhf`, `erff`,
/// `sqrtf` in Float (as ggml calls them), `pow` in Double, and `sysconf`.
enum CMath {
  static func cos(_ x: Float) -> Float { cosf(x) }
  static func sin(_ x: Float) -> Float { sinf(x) }
  static func exp(_ x: Float) -> Float { expf(x) }
  static func tanh(_ x: Float) -> Float { tanhf(x) }
  static func erf(_ x: Float) -> Float { erff(x) }
  static func squareRoot(_ x: Float) -> Float { sqrtf(x) }
  static func power(_ x: Double, _ y: Double) -> Double { pow(x, y) }
  /// Online processors (at least 1), for splitting matrix rows over threads.
  static let processorCount: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}
