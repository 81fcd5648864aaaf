#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Numbers as report text: compact (`%.6g`), fixed-point (SVG coordinates) or exact.
///
/// The C library's `vsnprintf` does the digit work, so the output is correctly rounded from the
/// binary value (a hand-rolled rounding of Swift's shortest decimal text would round twice) and
/// identical to Python's and C's `%g` on the same number.
package enum NumberText {
  /// Six significant digits, `%.6g`, except that integral values below 10^15 print as integers
  /// (`10000`, `1000000`, not `1e+06`).
  package static func compact(_ value: Double) -> String {
    if value.isFinite, value == value.rounded(), value.magnitude < 1e15 {
      return String(Int64(value))
    }
    return formatted("%.*g", precision: 6, value)
  }

  /// `digits` significant digits, `%.*g` (`0.00123`, `4.2e-07`).
  package static func significant(_ value: Double, digits: Int) -> String {
    formatted("%.*g", precision: digits, value)
  }

  /// `digits` significant digits with their trailing zeros, as a table's column shows them
  /// (`10.00`, `13.80`, `455.8`, `1.235e+04`): `%#.*g`, less a bare trailing point (`1000`).
  package static func figures(_ value: Double, digits: Int) -> String {
    let text = formatted("%#.*g", precision: digits, value)
    return text.hasSuffix(".") ? String(text.dropLast()) : text
  }

  /// `decimals` digits after the point, `%.*f`.
  package static func fixed(_ value: Double, decimals: Int) -> String {
    formatted("%.*f", precision: decimals, value)
  }

  /// The shortest text that reads back as exactly `value` (`0.1`, `6.283185307179586`, `1e-05`).
  package static func exact(_ value: Double) -> String { "\(value)" }

  private static func formatted(_ format: String, precision: Int, _ value: Double) -> String {
    guard value.isFinite, value.magnitude < 1e100 else { return "\(value)" }
    var buffer = [CChar](repeating: 0, count: 160)
    let capacity = buffer.count
    let written = withVaList([Int32(clamping: precision), value]) { arguments in
      buffer.withUnsafeMutableBufferPointer { storage in
        vsnprintf(storage.baseAddress, capacity, format, arguments)
      }
    }
    guard written > 0, Int(written) < capacity else { return "\(value)" }
    return String(
      decoding: buffer.prefix(Int(written)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
