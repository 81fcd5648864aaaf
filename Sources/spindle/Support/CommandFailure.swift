import ArgumentParser

/// A failure the user can act on, printed as one line on stderr with exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
