import ArgumentParser

/// A failure the user can act on, printed as one line on stderr with exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
  var description: String
  /// The library error behind it, whole (its kind, path and byte offset stay reachable).
  var cause: (any Error & Sendable)?

  init(_ description: String, cause: (any Error & Sendable)? = nil) {
    self.description = description
    self.cause = cause
  }
}
