import ArgumentParser

extension Spindle {
  /// Parses the command line and runs the command, as `ParsableCommand.main()` does; when
  /// the command line holds `--json` and the command fails (usage error, library error,
  /// ``CommandFailure``), it first prints one ``ErrorDocument`` on stdout.
  static func main() {
    let arguments = Array(CommandLine.arguments.dropFirst())
    do {
      var command = try parseAsRoot(arguments)
      try command.run()
    } catch {
      if arguments.prefix(while: { $0 != "--" }).contains("--json"),
        let document = ErrorDocument(error)
      {
        try? JSONOutput.print(document, style: .compact)
      }
      exit(withError: error)
    }
  }
}
