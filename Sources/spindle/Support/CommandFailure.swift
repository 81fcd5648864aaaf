import ArgumentParser

/// A failure the user can act on, printed as one line on stderr with exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
  var description: String
  /// The file concerned, for `--json`'s error document (a library ``cause`` names its own).
  var path: String?
  /// The key or tensor concerned, for `--json`'s error document.
  var name: String?
  /// The library error behind it, whole (its kind, path and byte offset stay reachable).
  var cause: (any Error & Sendable)?

  init(
    _ description: String, path: String? = nil, name: String? = nil,
    cause: (any Error & Sendable)? = nil
  ) {
    self.description = description
    self.path = path
    self.name = name
    self.cause = cause
  }
}
