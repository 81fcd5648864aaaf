/// The repository's fixtures (this file sits at Fuzz/Sources/FuzzSupport/).
public enum FuzzFixtures {
  public static let root: String = {
    var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(4)
    return parts.joined(separator: "/") + "/fixtures"
  }()

  public static func path(_ relative: String) -> String { "\(root)/\(relative)" }
}
