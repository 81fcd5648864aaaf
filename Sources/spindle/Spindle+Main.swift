import ArgumentParser
import Formats
import Inference

extension Spindle {
  /// Parses the command line and runs the command, as `ParsableCommand.main()` does, with two
  /// differences: an unknown option or command is reported before any other usage error (see
  /// ``UsageMistake``), and when the command line holds `--json` and the command fails (usage
  /// error, library error, ``CommandFailure``), one ``ErrorDocument`` goes to stdout first.
  /// Before anything, the allocator is told to keep freed buffers (``Heap/keepFreedMemory()``).
  static func main() {
    Heap.keepFreedMemory()
    let arguments = Array(CommandLine.arguments.dropFirst())
    let wantsJSON = arguments.prefix(while: { $0 != "--" }).contains("--json")
    func fail(_ error: any Error) -> Never {
      // A file that shrank while mapped read as zeros: that, not what followed, is the failure.
      let error: any Error = FormatError.changedWhileReading ?? error
      if wantsJSON, let document = ErrorDocument(error) {
        try? JSONOutput.print(document, style: .compact)
      }
      exit(withError: error)
    }
    EditWaiting.notice = { line in Terminal.printError(line) }
    var command: any ParsableCommand
    do {
      command = try parseAsRoot(arguments)
    } catch {
      if let mistake = UsageMistake.find(in: arguments) {
        if wantsJSON, let document = ErrorDocument(ValidationError(mistake.message)) {
          try? JSONOutput.print(document, style: .compact)
        }
        mistake.exit(after: error)
      }
      fail(error)
    }
    do { try command.run() } catch { fail(error) }
    if let changed = FormatError.changedWhileReading { fail(changed) }
  }
}
