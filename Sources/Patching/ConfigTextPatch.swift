public import Formats
public import Models

/// A byte-preserving edit of a JSON config file: top-level members are replaced or added in
/// the original text, printed in the file's own layout, and every other byte is kept.
///
/// The layout is read from the file: the indentation of the first member (nested levels
/// repeat it), the spacing around `:`, the line break, and whether the keys are sorted (as
/// transformers writes config.json; a new key then goes to its sorted place and nested keys
/// are sorted too, otherwise a new key goes after the last member). Nested objects and arrays print one member per line, as Python's
/// `json.dumps(indent=…)` does; on a one-line file they print on one line.
public struct ConfigTextPatch: Sendable {
  /// One replaced span of the original text.
  public struct Splice: Equatable, Sendable {
    /// The bytes replaced in the original (empty for an insertion).
    public var range: Range<Int>
    /// What replaces them.
    public var replacement: [UInt8]
  }

  /// The file, for messages.
  public let path: String
  /// The original text.
  public let original: [UInt8]
  /// The splices, in text order.
  public private(set) var splices: [Splice] = []
  private let layout: JSONTextLayout
  private var pendingInserts: [(key: String, value: JSONValue)] = []

  /// Prepares to edit `text`, which must be a JSON object (json-c validates it first).
  public init(text: [UInt8], path: String) throws(PatchError) {
    do {
      let parsed = try text.withUnsafeBytes { raw throws(FormatError) in
        try JSONValue.parse(raw, path: path)
      }
      guard parsed.object != nil else {
        throw PatchError(
          .wrongType, path: path, "the config is a JSON \(parsed.typeName), expected an object")
      }
    } catch let error as FormatError {
      throw PatchError(error)
    } catch let error as PatchError {
      throw error
    } catch {
      throw PatchError(.format, path: path, "\(error)")
    }
    guard let layout = JSONTextLayout(text) else {
      throw PatchError(.wrongType, path: path, "the config is not a JSON object")
    }
    self.path = path
    self.original = text
    self.layout = layout
  }

  /// Sets top-level member `key` to `value`: in place when present, else added.
  public mutating func set(_ key: String, _ value: JSONValue) {
    if let member = layout.members.first(where: { $0.key == key }) {
      let replacement = render(value, level: 1)
      guard Array(original[member.valueRange]) != replacement else { return }
      splices.removeAll { $0.range == member.valueRange }
      splices.append(Splice(range: member.valueRange, replacement: replacement))
    } else {
      pendingInserts.removeAll { $0.key == key }
      pendingInserts.append((key, value))
    }
  }

  /// Every splice, insertions included, in text order.
  public var allSplices: [Splice] {
    var result = splices
    var inserts = pendingInserts
    if layout.sortedKeys { inserts.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) } }
    var byPosition: [Int: [UInt8]] = [:]
    var order: [Int] = []
    for (key, value) in inserts {
      let member = Array(render(.string(key), level: 1)) + layout.colon + render(value, level: 1)
      let next =
        layout.sortedKeys
        ? layout.members.first { !$0.key.utf8.lexicographicallyPrecedes(key.utf8) } : nil
      let position: Int
      let bytes: [UInt8]
      if let next {
        position = next.keyStart
        bytes = member + Array(",".utf8) + layout.memberGap
      } else if let last = layout.members.last {
        position = last.valueRange.upperBound
        bytes = Array(",".utf8) + layout.memberGap + member
      } else {
        // An object without members (no layout to copy): the new ones go before its closing
        // brace, a comma between each two.
        position = layout.closingBrace
        bytes = (byPosition[position] == nil ? [] : Array(",".utf8)) + layout.memberGap + member
      }
      if byPosition[position] == nil { order.append(position) }
      byPosition[position, default: []] += bytes
    }
    for position in order {
      result.append(Splice(range: position..<position, replacement: byPosition[position] ?? []))
    }
    return result.sorted { $0.range.lowerBound < $1.range.lowerBound }
  }

  /// Whether anything changes.
  public var isEmpty: Bool { splices.isEmpty && pendingInserts.isEmpty }

  /// The edited text.
  public var edited: [UInt8] {
    var result: [UInt8] = []
    result.reserveCapacity(original.count + 256)
    var cursor = 0
    for splice in allSplices {
      result += original[cursor..<splice.range.lowerBound]
      result += splice.replacement
      cursor = splice.range.upperBound
    }
    result += original[cursor...]
    return result
  }

  // MARK: Printing in the file's layout

  func render(_ value: JSONValue, level: Int) -> [UInt8] {
    switch value {
    case .object(let object):
      if object.count == 0 { return Array("{}".utf8) }
      var members = object.members
      if layout.sortedKeys { members.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) } }
      let items = members.map { member in
        render(.string(member.key), level: 0) + layout.colon
          + render(member.value, level: level + 1)
      }
      return container("{", "}", items, level: level)
    case .array(let elements):
      if elements.isEmpty { return Array("[]".utf8) }
      return container("[", "]", elements.map { render($0, level: level + 1) }, level: level)
    case .number(let number):
      return Array(number.text.utf8)
    case .string, .bool, .null:
      return Array(value.serialized(.compact).utf8)
    }
  }

  private func container(_ open: String, _ close: String, _ items: [[UInt8]], level: Int)
    -> [UInt8]
  {
    guard let newline = layout.newline else {
      let separator = Array(",".utf8) + layout.memberGap
      return Array(open.utf8) + Array(items.joined(separator: separator)) + Array(close.utf8)
    }
    let inner = newline + Array(repeating: layout.indent, count: level + 1).flatMap { $0 }
    var bytes = Array(open.utf8)
    for (index, item) in items.enumerated() {
      if index > 0 { bytes.append(UInt8(ascii: ",")) }
      bytes += inner + item
    }
    bytes += newline + Array(repeating: layout.indent, count: level).flatMap { $0 }
    bytes += Array(close.utf8)
    return bytes
  }
}
