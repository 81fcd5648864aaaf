public import Formats

/// One change to a GGUF metadata key: set it (adding it when absent) or delete it.
public enum GGUFKeyEdit: Equatable, Sendable {
  case set(String, GGUFValue)
  case delete(String)

  /// The key edited.
  public var key: String {
    switch self {
    case .set(let key, _), .delete(let key): key
    }
  }
}

extension [GGUFKeyEdit] {
  /// `metadata` with the edits applied: set keys keep their position, new keys go after the
  /// last `{prefix}` key (`llama.`) or at the end, deleted keys disappear.
  public func applied(
    to metadata: [(key: String, value: GGUFValue)], groupingPrefix prefix: String
  ) -> [(key: String, value: GGUFValue)] {
    var result = metadata
    for edit in self {
      switch edit {
      case .set(let key, let value):
        if let index = result.firstIndex(where: { $0.key == key }) {
          result[index].value = value
        } else {
          let anchor = result.lastIndex(where: { $0.key.hasPrefix(prefix) })
          result.insert((key, value), at: anchor.map { $0 + 1 } ?? result.endIndex)
        }
      case .delete(let key):
        result.removeAll { $0.key == key }
      }
    }
    return result
  }
}
