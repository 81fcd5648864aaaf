extension ConfigTextPatch {
  /// The change as a unified diff without context lines (`diff -U0`): one hunk per group of
  /// touched lines, line numbers 1-based.
  public func unifiedDiff(oldName: String, newName: String) -> String {
    let splices = allSplices
    guard !splices.isEmpty else { return "" }
    let lineStarts = [0] + original.indices.filter { original[$0] == 0x0A }.map { $0 + 1 }
    func line(containing offset: Int) -> Int {
      var low = 0
      var high = lineStarts.count - 1
      while low < high {
        let middle = (low + high + 1) / 2
        if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
      }
      return low
    }
    func lineEnd(_ line: Int) -> Int {
      line + 1 < lineStarts.count ? lineStarts[line + 1] : original.count
    }
    // Group splices whose lines touch.
    var groups: [(first: Int, last: Int, splices: [Splice])] = []
    for splice in splices {
      let first = line(containing: splice.range.lowerBound)
      let last = line(containing: max(splice.range.lowerBound, splice.range.upperBound - 1))
      if let previous = groups.last, first <= previous.last {
        groups[groups.count - 1].last = max(previous.last, last)
        groups[groups.count - 1].splices.append(splice)
      } else {
        groups.append((first, last, [splice]))
      }
    }
    var output = "--- \(oldName)\n+++ \(newName)\n"
    var shift = 0
    for group in groups {
      let start = lineStarts[group.first]
      let end = lineEnd(group.last)
      var replaced: [UInt8] = []
      var cursor = start
      for splice in group.splices {
        replaced += original[cursor..<splice.range.lowerBound]
        replaced += splice.replacement
        cursor = splice.range.upperBound
      }
      replaced += original[cursor..<end]
      let oldLines = Self.lines(Array(original[start..<end]))
      let newLines = Self.lines(replaced)
      let oldStart = group.first + 1
      let newStart = oldStart + shift
      output +=
        "@@ -\(Self.range(oldStart, oldLines.count)) +\(Self.range(newStart, newLines.count)) @@\n"
      for text in oldLines { output += "-\(text)\n" }
      for text in newLines { output += "+\(text)\n" }
      shift += newLines.count - oldLines.count
    }
    return output
  }

  private static func lines(_ bytes: [UInt8]) -> [String] {
    var text = String(decoding: bytes, as: UTF8.self)
    if text.hasSuffix("\n") { text.removeLast() }
    return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  }

  private static func range(_ start: Int, _ count: Int) -> String {
    count == 1 ? "\(start)" : count == 0 ? "\(start - 1),0" : "\(start),\(count)"
  }
}
