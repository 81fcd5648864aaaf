import ArgumentParser

/// What a command run with `--json` prints on stdout when it fails, as one line:
/// `{"error": {"kind", "path", "offset", "name", "message"}, "exit_status"}`.
///
/// The message still goes to stderr and the exit status is the one the command has without
/// `--json` (1 failed, 64 usage).
struct ErrorDocument: Encodable {
  var error: ProblemDocument
  var exitStatus: Int32

  /// The document for `error`, or `nil` for the exits that are not failures (`ExitCode`
  /// after a command printed its own document, `--help`, `--version`).
  init?(_ error: any Error) {
    if error is ExitCode { return nil }
    let status = Spindle.exitCode(for: error)
    if status == .success { return nil }
    self.error = ProblemDocument(failure: error, status: status)
    exitStatus = status.rawValue
  }
}
