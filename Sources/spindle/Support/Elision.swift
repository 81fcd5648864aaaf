/// Where ``elided(_:to:in:)`` cuts.
enum Elision {
  /// Keep the start: values.
  case end
  /// Keep the end: tensor names and paths, whose tail tells them apart
  /// (`…layers.12.self_attn.q_proj.weight`, `…/model-00002-of-00003.safetensors`).
  case start
}

/// `text` cut to `count` characters with "…" where the cut is, or whole when it fits.
func elided(_ text: String, to count: Int, in elision: Elision) -> String {
  guard text.count > count, count > 1 else { return text }
  switch elision {
  case .end:
    return text.prefix(count - 1) + "…"
  case .start:
    return "…" + text.suffix(count - 1)
  }
}

/// A name read from a file (tensor name, metadata key), safe to print: control characters
/// written as escapes (`\n`, `\u{1b}`), so a crafted name cannot move the cursor, colour the
/// terminal or forge a line, and cut (keeping the end) to `limit` characters; `keeping` lists
/// the controls let through as they are (a chat template's lines).
func printable(_ name: String, limit: Int = 200, keeping: Set<Unicode.Scalar> = []) -> String {
  var text = ""
  for scalar in name.unicodeScalars {
    if keeping.contains(scalar) {
      text.unicodeScalars.append(scalar)
      continue
    }
    switch scalar {
    case "\n": text += "\\n"
    case "\t": text += "\\t"
    case "\r": text += "\\r"
    default:
      if scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value) {
        text += "\\u{\(String(scalar.value, radix: 16))}"
      } else {
        text.unicodeScalars.append(scalar)
      }
    }
  }
  return elided(text, to: limit, in: .start)
}
