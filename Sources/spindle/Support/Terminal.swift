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

  /// The width text output is fitted to, `nil` for full width.
  ///
  /// `SPINDLE_COLUMNS` wins when set (tests, or fitting output piped to a pager). Otherwise
  /// only a terminal on stdout is fitted: to `COLUMNS` when set, else the terminal's width;
  /// piped output stays full width so scripts see whole lines.
  static let outputColumns: Int? = {
    func columns(_ name: String) -> Int? {
      getenv(name).flatMap { Int(String(cString: $0)) }.flatMap { $0 > 0 ? $0 : nil }
    }
    if let forced = columns("SPINDLE_COLUMNS") { return forced }
    guard isatty(STDOUT_FILENO) == 1 else { return nil }
    if let columns = columns("COLUMNS") { return columns }
    var size = winsize()
    guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
    return Int(size.ws_col)
  }()

  /// Prints `text` fitted to ``outputColumns`` (``wrapped(_:width:hangingIndent:)``), each
  /// line longer than the terminal continuing `hangingIndent` spaces in; whole when piped.
  static func printFitted(_ text: String, hangingIndent: Int = 2) {
    print(wrapped(text, width: outputColumns) { _ in hangingIndent })
  }
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

/// Columns padded to the widest cell, left-aligned unless `rightAligned`.
///
/// Given a `width` the rows overflow, the gaps narrow to one space, then the cells of
/// `flexible` are elided (``elided(_:to:in:)``), down to `minimum` characters.
func table(
  _ rows: [[String]], indent: String = "  ", rightAligned: Set<Int> = [], width: Int? = nil,
  flexible: Int? = nil, elision: Elision = .end, minimum: Int = 12
) -> String {
  guard let columns = rows.map(\.count).max() else { return "" }
  var widths = [Int](repeating: 0, count: columns)
  for row in rows {
    for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
  }
  var gap = 2
  let total = { indent.count + widths.reduce(0, +) + gap * (columns - 1) }
  if let width, total() > width {
    gap = 1
    if let flexible, flexible < columns, total() > width {
      let floor = min(widths[flexible], minimum)
      widths[flexible] = max(floor, widths[flexible] - (total() - width))
    }
  }
  let separator = String(repeating: " ", count: gap)
  return rows.map { row in
    var line = indent
    for (index, whole) in row.enumerated() {
      let cell = elided(whole, to: widths[index], in: elision)
      let pad = String(repeating: " ", count: widths[index] - cell.count)
      let isLast = index == row.count - 1
      if rightAligned.contains(index) {
        line += pad + cell
      } else {
        line += cell + (isLast ? "" : pad)
      }
      if !isLast { line += separator }
    }
    return line
  }.joined(separator: "\n")
}

/// `text` with each line longer than `width` broken at spaces.
///
/// Continuation lines start `hangingIndent(line)` spaces in (at most half the width); a word
/// longer than a line is cut. No `width`: `text` unchanged.
func wrapped(_ text: String, width: Int?, hangingIndent: (Substring) -> Int) -> String {
  guard let width else { return text }
  var out: [String] = []
  for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
    guard line.count > width else {
      out.append(String(line))
      continue
    }
    let indent = String(repeating: " ", count: min(hangingIndent(line), width / 2))
    var current = ""
    var hasWord = false
    var rest = line[...]
    while !rest.isEmpty {
      // The spaces before the next word: kept inside a line, dropped at a break.
      let spaces = rest.prefix { $0 == " " }
      rest = rest.dropFirst(spaces.count)
      var word = rest.prefix { $0 != " " }
      rest = rest.dropFirst(word.count)
      if word.isEmpty { break }
      if !hasWord || current.count + spaces.count + word.count <= width {
        current += spaces
      } else {
        out.append(current)
        current = indent
      }
      while current.count + word.count > width {
        let room = max(1, width - current.count)
        out.append(current + word.prefix(room))
        word = word.dropFirst(room)
        current = indent
      }
      current += word
      hasWord = true
    }
    out.append(current)
  }
  return out.joined(separator: "\n")
}

/// `parts` joined by ", " into lines of at most `width` (`nil`: one line), the lines after
/// the first indented by two spaces; a part is never split.
func joinedFitting(_ parts: [String], width: Int?) -> String {
  guard let width else { return parts.joined(separator: ", ") }
  var lines: [String] = []
  var current = ""
  for (index, part) in parts.enumerated() {
    let piece = part + (index == parts.count - 1 ? "" : ",")
    if current.isEmpty {
      current = piece
    } else if current.count + 1 + piece.count <= width {
      current += " " + piece
    } else {
      lines.append(current)
      current = "  " + piece
    }
  }
  lines.append(current)
  return lines.joined(separator: "\n")
}
