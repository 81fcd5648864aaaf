import Formats

#if canImport(Glibc)
import Glibc
#endif

/// Writing to stdout/stderr, and turning library errors into exit codes.
enum Terminal {
  static func printError(_ text: String, newline: Bool = true) {
    var line = text
    if newline && !line.hasSuffix("\n") { line += "\n" }
    let bytes = Array(line.utf8)
    _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
  }

  /// Whether stderr is an interactive terminal (progress display).
  static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}

/// Thousands separators: 1234567 → "1,234,567".
func grouped(_ value: Int) -> String {
  let digits = String(value.magnitude)
  var out = ""
  for (index, character) in digits.enumerated() {
    if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
    out.append(character)
  }
  return value < 0 ? "-" + out : out
}

/// A byte count for people: "1.5 MiB".
func humanBytes(_ value: Int) -> String {
  let units = ["B", "KiB", "MiB", "GiB", "TiB"]
  var amount = Double(value)
  var unit = 0
  while amount >= 1024 && unit < units.count - 1 {
    amount /= 1024
    unit += 1
  }
  if unit == 0 { return "\(value) B" }
  let rounded = (amount * 10).rounded() / 10
  return "\(rounded) \(units[unit])"
}

/// A parameter count for people: "135.0M".
func humanCount(_ value: Int) -> String {
  switch value {
  case ..<1000: return "\(value)"
  case ..<1_000_000: return "\((Double(value) / 100).rounded() / 10)K"
  case ..<1_000_000_000: return "\((Double(value) / 100_000).rounded() / 10)M"
  default: return "\((Double(value) / 100_000_000).rounded() / 10)B"
  }
}

/// Left-aligned columns padded to the widest cell.
func table(_ rows: [[String]], indent: String = "  ", rightAligned: Set<Int> = []) -> String {
  guard let columns = rows.map(\.count).max() else { return "" }
  var widths = [Int](repeating: 0, count: columns)
  for row in rows {
    for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
  }
  return rows.map { row in
    var line = indent
    for (index, cell) in row.enumerated() {
      let pad = String(repeating: " ", count: widths[index] - cell.count)
      let isLast = index == row.count - 1
      if rightAligned.contains(index) {
        line += pad + cell
      } else {
        line += cell + (isLast ? "" : pad)
      }
      if !isLast { line += "  " }
    }
    return line
  }.joined(separator: "\n")
}
