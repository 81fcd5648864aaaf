public import Formats

/// One metadata change as the user states it: values stay text until the plan types them
/// against the file (declared type first, else the key's existing type).
public enum MetadataEdit: Equatable, Sendable {
  /// Set `key` to `value`, typed as `type` or as the key's current type.
  case set(key: String, value: String, type: GGUFValueType?)
  /// Remove `key`; it must exist.
  case delete(key: String)
  /// Rename `from` to `to`, keeping its value and position; `to` must not exist.
  case rename(from: String, to: String)

  /// The key the edit names first.
  public var key: String {
    switch self {
    case .set(let key, _, _), .delete(let key), .rename(let key, _): key
    }
  }
}
