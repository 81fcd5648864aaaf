import ArgumentParser
import Formats

extension Spindle {
  struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show a checkpoint's format, metadata and tensor table (reads headers only).",
      discussion: """
        Reading cost follows the header, not the file: a 100 GB model inspects as fast as a \
        small one. Long arrays (token lists) are abbreviated in text output; --json prints \
        every value in full.
        """)

    @OptionGroup var input: InputOptions

    @Flag(help: "Print one JSON document instead of text.")
    var json = false

    @Flag(help: "Show only the tensor table.")
    var tensors = false

    @Option(
      name: .customLong("metadata"),
      help: ArgumentHelp("Show only this metadata key, in full (repeatable).", valueName: "key"))
    var metadataKeys: [String] = []

    func validate() throws {
      if tensors && !metadataKeys.isEmpty {
        throw ValidationError("--tensors and --metadata select different parts; use one")
      }
    }

    func run() throws {
      let checkpoint = try Checkpoint.open(input.path)
      if !metadataKeys.isEmpty {
        let keys = checkpoint.metadata.map(\.key)
        let missing = metadataKeys.filter { !keys.contains($0) }
        if !missing.isEmpty {
          let hints = missing.map { NearestName.suggestion(for: $0, among: keys) }
          let named =
            missing.count == 1
            ? "'\(missing[0])'" + (hints[0].map { "; did you mean '\($0)'?" } ?? "")
            : zip(missing, hints).map { key, hint in
              "'\(key)'" + (hint.map { " (did you mean '\($0)'?)" } ?? "")
            }.joined(separator: ", ")
          throw CommandFailure(
            "\(input.path): no metadata key \(named)", path: input.path,
            name: missing.count == 1 ? missing[0] : nil)
        }
      }
      let report = InspectReport(
        checkpoint: checkpoint, onlyTensors: tensors, metadataKeys: metadataKeys,
        width: Terminal.outputColumns)
      if json {
        try JSONOutput.print(report.document)
      } else {
        print(report.text)
      }
    }
  }
}
