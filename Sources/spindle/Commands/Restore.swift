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

    func run() throws {
      switch try PatchEngine.restore(path) {
      case .recovered(let bytes):
        print("\(path): interrupted edit rolled back, \(grouped(bytes)) header bytes restored")
      case .undone(let bytes):
        print("\(path): last in-place edit undone, \(grouped(bytes)) header bytes restored")
      case .removedTemporaries(let names):
        print(
          "\(path): no edit to undo (the file is unchanged); removed \(names.count) temporary"
            + " file\(names.count == 1 ? "" : "s") a killed rewrite left: "
            + names.joined(separator: ", "))
      }
    }
  }
}
