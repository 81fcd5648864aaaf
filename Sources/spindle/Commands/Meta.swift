import ArgumentParser
import Formats
import Patching

extension Spindle {
  struct Meta: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Set, delete or rename metadata keys of a GGUF file or safetensors __metadata__.",
      usage: """
        spindle meta <path> set KEY=VALUE... [--type TYPE]
        spindle meta <path> delete KEY...
        spindle meta <path> rename OLD NEW
        """,
      discussion: """
        Values are typed by --type (uint8…int64, float32, float64, bool, string) or by the \
        key's existing type; a new GGUF key needs --type. A bool is true/false/1/0, nothing \
        else. safetensors values are strings. When the new header fits the room the file has \
        (GGUF padding or Spindle's spindle.reserved key; safetensors header spaces) only the \
        header is written, after journaling the old one (FILE.spindle-journal while writing, \
        FILE.spindle-undo once done); \
        `spindle restore FILE` undoes the last such edit. Otherwise the file is rewritten \
        beside itself (free space checked first) and renamed over the original, reserving \
        --reserve bytes of room for later edits. --dry-run prints the plan.
        """)

    @Argument(help: ArgumentHelp("A .safetensors or .gguf file.", valueName: "path"))
    var path: String

    @Argument(help: ArgumentHelp("set, delete or rename.", valueName: "action"))
    var action: String

    @Argument(help: ArgumentHelp("KEY=VALUE…, KEY…, or OLD NEW.", valueName: "operands"))
    var operands: [String] = []

    @Option(help: ArgumentHelp("The value type for set.", valueName: "type"))
    var type: String?

    @Flag(help: "Print the plan without writing anything.")
    var dryRun = false

    @Option(help: "Bytes of header room a rewrite reserves for later in-place edits.")
    var reserve = 16_384

    @Flag(help: "No progress bar.")
    var quiet = false

    func edits() throws -> [MetadataEdit] {
      var declared: GGUFValueType?
      if let type {
        guard let parsed = MetadataValueParser.type(named: type) else {
          throw ValidationError(
            "unknown --type '\(type)'; use uint8, int8, uint16, int16, uint32, int32, uint64,"
              + " int64, float32, float64, bool or string")
        }
        declared = parsed
      }
      if operands.isEmpty { throw ValidationError("\(action) needs operands") }
      if type != nil && action != "set" { throw ValidationError("--type goes with set") }
      switch action {
      case "set":
        return try operands.map { operand in
          guard let equals = operand.firstIndex(of: "="), equals != operand.startIndex else {
            throw ValidationError("set takes KEY=VALUE, not '\(operand)'")
          }
          return .set(
            key: String(operand[..<equals]),
            value: String(operand[operand.index(after: equals)...]),
            type: declared)
        }
      case "delete":
        return operands.map { .delete(key: $0) }
      case "rename":
        guard operands.count == 2 else { throw ValidationError("rename takes OLD NEW") }
        return [.rename(from: operands[0], to: operands[1])]
      default:
        throw ValidationError("unknown action '\(action)'; use set, delete or rename")
      }
    }

    func validate() throws {
      if reserve < 0 { throw ValidationError("--reserve must be ≥ 0, not \(reserve)") }
      _ = try edits()
    }

    func run() throws {
      let plan = try HeaderPlan(path: path, edits: try edits(), reserve: reserve)
      if dryRun {
        print(plan.description)
        return
      }
      let progress = Progress(label: "rewriting", quiet: quiet)
      let outcome = try PatchEngine.execute(plan) { progress.update($0, of: $1) }
      progress.finish()
      for change in plan.changes { print("  " + change) }
      if outcome.inPlace {
        print(
          "\(path): in place, \(grouped(outcome.bytesWritten)) header bytes written, data"
            + " untouched, \(grouped(plan.roomAfter)) bytes of room left"
            + " (undo: spindle restore \(path))")
      } else if case .rewrite(let reason) = plan.strategy {
        print(
          "\(path): rewritten (\(reason)), \(grouped(outcome.bytesWritten)) bytes,"
            + " \(grouped(plan.roomAfter)) bytes of room reserved")
      }
    }
  }
}
