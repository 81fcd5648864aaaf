import ArgumentParser
import Patching

extension Spindle {
  struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Put back the header an interrupted or the last in-place edit replaced.",
      discussion: """
        After an interrupted edit (FILE.spindle-journal present) the old header is written \
        back, whatever part of the new one had reached the disk. Otherwise the last finished \
        in-place edit is undone from FILE.spindle-undo, if the header is still the one that \
        edit wrote. Rewrites replace the file whole and have no undo; a killed rewrite leaves \
        the original as it was and restore removes its temporary file. Exit status 1 when \
        there is nothing to restore or the file changed since.
        """)

    @Argument(help: ArgumentHelp("The edited file.", valueName: "path"))
    var path: String

    @Flag(help: "Print what was done as one JSON document.")
    var json = false

    @OptionGroup var waiting: WaitOption

    func run() throws {
      waiting.apply()
      let line: String
      var document = EditDocument(command: "restore", path: path, action: .restored, changes: [])
      document.output = path
      document.inPlace = true
      switch try PatchEngine.restore(path) {
      case .recovered(let bytes):
        line = "\(path): interrupted edit rolled back, \(grouped(bytes)) header bytes restored"
        document.changes = ["interrupted edit rolled back, \(bytes) header bytes restored"]
      case .undone(let bytes):
        line = "\(path): last in-place edit undone, \(grouped(bytes)) header bytes restored"
        document.changes = ["last in-place edit undone, \(bytes) header bytes restored"]
      case .removedTemporaries(let names):
        line =
          "\(path): no edit to undo (the file is unchanged); removed \(names.count) temporary"
          + " file\(names.count == 1 ? "" : "s") a killed rewrite left: "
          + names.joined(separator: ", ")
        document.action = .unchanged
        document.output = nil
        document.inPlace = false
        document.changes = names.map { "removed \($0)" }
      }
      if json { try JSONOutput.print(document) } else { Terminal.printFitted(line) }
    }
  }
}
