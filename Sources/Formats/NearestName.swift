/// The known name a mistyped one was meant to be, for "did you mean" hints on options,
/// commands and metadata keys.
public enum NearestName {
  /// The candidate closest to `name`, or `nil` when none is close.
  ///
  /// A candidate that ends with `.name` (a key given without its prefix) wins; else the
  /// nearest by edit distance (a swap of neighbours counts as one edit) within
  /// `maximumDistance`, by default a third of the name's length, at least 1 and at most 3.
  /// Ties go to the earlier candidate.
  public static func suggestion(
    for name: String, among candidates: [String], maximumDistance: Int? = nil
  ) -> String? {
    let typed = Array(name.lowercased().unicodeScalars)
    guard !typed.isEmpty else { return nil }
    if let whole = candidates.first(where: { $0 != name && $0.hasSuffix("." + name) }) {
      return whole
    }
    let limit = maximumDistance ?? min(3, max(1, typed.count / 3))
    var best: (name: String, distance: Int)?
    for candidate in candidates where candidate != name {
      let distance = editDistance(typed, Array(candidate.lowercased().unicodeScalars))
      if distance <= limit, distance < (best?.distance ?? .max) { best = (candidate, distance) }
    }
    return best?.name
  }

  /// Insertions, deletions, substitutions and swaps of adjacent characters that turn `a`
  /// into `b` (the optimal string alignment distance).
  public static func editDistance(_ a: String, _ b: String) -> Int {
    editDistance(Array(a.unicodeScalars), Array(b.unicodeScalars))
  }

  static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var twoBack = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          current[j] = min(current[j], twoBack[j - 2] + 1)
        }
      }
      (twoBack, previous, current) = (previous, current, twoBack)
    }
    return previous[b.count]
  }
}
