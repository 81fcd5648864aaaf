import ArgumentParser
import Formats

/// `--wait SECONDS|forever`: how long an edit (or a read) waits for another process's
/// in-place edit of the same file before refusing; shared by the commands that write.
struct WaitOption: ParsableArguments {
  @Option(
    name: .customLong("wait"),
    help: ArgumentHelp(
      "Wait this long for another process editing the same file (default 10 s; 0 refuses at"
        + " once).", valueName: "seconds|forever"))
  var patience: Patience?

  /// Seconds, or `forever`.
  struct Patience: ExpressibleByArgument {
    var seconds: Double

    init?(argument: String) {
      if argument == "forever" {
        seconds = .infinity
      } else if let value = Double(argument), value.isFinite, value >= 0 {
        seconds = value
      } else {
        return nil
      }
    }
  }

  /// Sets the process's wait (``Formats/EditWaiting``) before any file is opened, and makes
  /// its messages point at `--wait`.
  func apply() {
    if let patience { EditWaiting.patience = patience.seconds }
    EditWaiting.option = "--wait"
  }
}
