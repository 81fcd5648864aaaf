import ArgumentParser
import Formats
import Patching

extension Spindle {
  struct Meta: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Set, delete or rename metadata keys of a GGUF file or safetensors __metadata__.",
      discussion: """
        Each action writes where the output options say, as `stamp` does: -o OUT writes an \
        edited copy (the input is untouched), --in-place edits the file, --dry-run prints the \
        plan. In place, when the new header fits the room the file has (GGUF padding or \
        Spindle's spindle.reserved key; safetensors header spaces) only the header is \
        written, after journaling the old one (FILE.spindle-journal while writing, \
        FILE.spindle-undo once done); `spindle restore FILE` undoes the last such edit. \
        Otherwise the file is rewritten beside itself (free space checked first) and renamed \
        over the original, reserving --reserve bytes of room for later edits.
        """,
      subcommands: [Set.self, Delete.self, Rename.self, Misuse.self],
      defaultSubcommand: Misuse.self)
  }
}

extension Spindle.Meta {
  /// What `spindle meta` says when no action comes first: the command line in the right
  /// order, or the actions there are (hidden; it only reports the mistake, exit status 64).
  struct Misuse: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "misuse", usage: "spindle meta <set|delete|rename> <path> <operands> …",
      shouldDisplay: false)

    @Argument(parsing: .allUnrecognized) var words: [String] = []

    static let actions = ["set", "delete", "rename"]

    func validate() throws {
      if let index = words.firstIndex(where: Self.actions.contains), index > 0 {
        var rest = words
        let action = rest.remove(at: index)
        throw ValidationError(
          "the action comes first: spindle meta \(action) \(rest.joined(separator: " "))")
      }
      for (index, word) in words.enumerated() where !word.hasPrefix("-") {
        if let action = NearestName.suggestion(for: word, among: Self.actions) {
          var rest = words
          rest.remove(at: index)
          throw ValidationError(
            "unknown action '\(word)'; did you mean '\(action)'?"
              + " spindle meta \(([action] + rest).joined(separator: " "))")
        }
      }
      if let first = words.first {
        throw ValidationError("unknown action '\(first)'; use set, delete or rename")
      }
      throw ValidationError("name an action: spindle meta set|delete|rename PATH …")
    }
  }
}

extension Spindle.Meta {
  struct Set: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Set keys to values.",
      usage: "spindle meta set [<options>] <path> <key=value> ...",
      discussion: """
        Values are typed by --type (uint8…int64, float32, float64, bool, string) or by the \
        key's existing type; a new GGUF key needs --type. A bool is true/false/1/0, nothing \
        else. safetensors values are strings.
        """)

    @Argument(help: ArgumentHelp("A .safetensors or .gguf file.", valueName: "path"))
    var path: String

    @Argument(help: ArgumentHelp("The keys and their new values.", valueName: "key=value"))
    var assignments: [String]

    @Option(help: ArgumentHelp("The value type.", valueName: "type"))
    var type: String?

    @OptionGroup var options: MetaOptions

    var edits: [MetadataEdit] {
      get throws {
        var declared: GGUFValueType?
        if let type {
          guard let parsed = MetadataValueParser.type(named: type) else {
            throw ValidationError(
              "unknown --type '\(type)'; use uint8, int8, uint16, int16, uint32, int32, uint64,"
                + " int64, float32, float64, bool or string")
          }
          declared = parsed
        }
        return try assignments.map { operand in
          guard let equals = operand.firstIndex(of: "="), equals != operand.startIndex else {
            throw ValidationError("set takes KEY=VALUE, not '\(operand)'")
          }
          return .set(
            key: String(operand[..<equals]),
            value: String(operand[operand.index(after: equals)...]),
            type: declared)
        }
      }
    }

    func validate() throws {
      _ = try edits
      try options.validate(input: path)
    }

    func run() throws { try options.carryOut(try edits, on: path) }
  }

  struct Delete: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Delete keys.", usage: "spindle meta delete [<options>] <path> <key> ...")

    @Argument(help: ArgumentHelp("A .safetensors or .gguf file.", valueName: "path"))
    var path: String

    @Argument(help: ArgumentHelp("The keys to delete.", valueName: "key"))
    var keys: [String]

    @OptionGroup var options: MetaOptions

    func validate() throws { try options.validate(input: path) }

    func run() throws { try options.carryOut(keys.map { .delete(key: $0) }, on: path) }
  }

  struct Rename: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Rename a key, keeping its value.",
      usage: "spindle meta rename [<options>] <path> <old> <new>")

    @Argument(help: ArgumentHelp("A .safetensors or .gguf file.", valueName: "path"))
    var path: String

    @Argument(help: ArgumentHelp("The key's name now.", valueName: "old"))
    var old: String

    @Argument(help: ArgumentHelp("Its new name.", valueName: "new"))
    var new: String

    @OptionGroup var options: MetaOptions

    func validate() throws { try options.validate(input: path) }

    func run() throws { try options.carryOut([.rename(from: old, to: new)], on: path) }
  }
}
