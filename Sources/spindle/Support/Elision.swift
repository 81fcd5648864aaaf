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
