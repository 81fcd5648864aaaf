#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#elseif canImport(Darwin)
internal import Darwin
#endif

/// The C math functions the kernels call (`expf`, `sqrtf`, `scalbnf`, as ggml calls them),
/// named so they never shadow the C ones.
enum CMath {
  static func exp(_ x: Float) -> Float { expf(x) }
  static func squareRoot(_ x: Float) -> Float { sqrtf(x) }
  static func scale(_ x: Float, byPowerOfTwo n: Int32) -> Float { scalbnf(x, n) }
}
