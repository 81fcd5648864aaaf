import ArgumentParser
import Formats

/// An option or command on the command line that the command it is given to does not have,
/// with the nearest spelling it does have.
///
/// ArgumentParser validates a command before it looks for unknown options, so
/// `stamp m.gguf --yarn 2 --inplace` would be reported as "say where to write"; and it names
/// a mistyped command only as an unexpected argument. When parsing fails, ``find(in:)``
/// walks the arguments through the command tree ArgumentParser describes (`_dumpHelp`, the
/// `--experimental-dump-help` document) and the first unknown word is reported instead.
struct UsageMistake {
  /// One line in ArgumentParser's words.
  ///
  /// For example "Unknown option '--inplace'. Did you mean '--in-place'?".
  var message: String

  /// The first unknown option or command in `arguments`, or `nil` when every word is known
  /// (or asks for help or the version, which the parser answers).
  static func find(in arguments: [String]) -> UsageMistake? {
    guard let tree = try? JSONValue.parse(Spindle._dumpHelp()),
      let root = tree["command"].map(CommandNode.init)
    else { return nil }
    return find(in: arguments, root: root)
  }

  static func find(in arguments: [String], root: CommandNode) -> UsageMistake? {
    let words = arguments.prefix { $0 != "--" }
    let builtIn = ["--help", "-h", "--version", "--experimental-dump-help"]
    if words.contains(where: { word in
      builtIn.contains(word) || word.hasPrefix("--generate-completion-script")
    }) {
      return nil
    }
    var node = root
    var positionals = 0
    var index = words.startIndex
    while index < words.endIndex {
      if node.capturesEverything { return nil }
      let word = words[index]
      if word.hasPrefix("--") {
        let name = String(word.dropFirst(2).prefix { $0 != "=" })
        guard let takesValue = node.longOptions[name] else {
          let known = node.longOptions.keys.sorted().filter { $0 != "help" && $0 != "version" }
          let suggestion =
            known.first { $0.hasPrefix(name + "-") }
            ?? NearestName.suggestion(for: name, among: known, maximumDistance: 3)
          return UsageMistake(
            message: "Unknown option '--\(name)'"
              + (suggestion.map { ". Did you mean '--\($0)'?" } ?? ""))
        }
        if takesValue && !word.contains("=") { index += 1 }
      } else if word.hasPrefix("-"), word.count > 1, Double(word) == nil {
        // Short options: the parser's own message is clear; only skip a value.
        guard let letter = word.dropFirst().first, let takesValue = node.shortOptions[letter]
        else { return nil }
        if takesValue && word.count == 2 { index += 1 }
      } else if positionals == 0 && !node.subcommands.isEmpty {
        if let next = node.subcommands.first(where: { $0.name == word }) {
          node = next
          index += 1
          continue
        }
        if let fallback = node.defaultSubcommand,
          let next = node.subcommands.first(where: { $0.name == fallback })
        {
          node = next
          continue
        }
        let visible = node.subcommands.filter(\.isVisible).map(\.name)
        let suggestion = NearestName.suggestion(for: word, among: visible)
        return UsageMistake(
          message: "Unknown command '\(word)'"
            + (suggestion.map { ". Did you mean '\($0)'?" }
              ?? ". The commands are \(visible.joined(separator: ", "))."))
      } else {
        positionals += 1
      }
      index += 1
    }
    return nil
  }

  /// Prints the mistake as ArgumentParser prints a usage error, with the usage lines of its
  /// `parseError` (`Usage: …`, `See '… --help'`), and exits with status 64.
  func exit(after parseError: any Error) -> Never {
    let full = Spindle.fullMessage(for: parseError)
    let usage = full.firstRange(of: "\nUsage:").map { String(full[$0.lowerBound...]) } ?? ""
    Terminal.printError("Error: \(message)\(usage)")
    Spindle.exit(withError: ExitCode.validationFailure)
  }
}

extension UsageMistake {
  /// A command as the `--experimental-dump-help` document describes it.
  struct CommandNode {
    var name: String
    var isVisible: Bool
    /// Long option and flag names, each with whether it takes a value.
    var longOptions: [String: Bool] = [:]
    var shortOptions: [Character: Bool] = [:]
    var subcommands: [CommandNode] = []
    var defaultSubcommand: String?
    /// Whether an argument takes every word the parser does not recognize (then any word is
    /// that command's to judge).
    var capturesEverything = false

    init(_ json: JSONValue) {
      name = json["commandName"]?.string ?? ""
      isVisible = json["shouldDisplay"]?.bool ?? true
      defaultSubcommand = json["defaultSubcommand"]?.string
      subcommands = (json["subcommands"]?.array ?? []).map(CommandNode.init)
      for argument in json["arguments"]?.array ?? [] {
        let kind = argument["kind"]?.string
        if argument["parsingStrategy"]?.string == "allUnrecognized" { capturesEverything = true }
        for name in argument["names"]?.array ?? [] {
          guard let text = name["name"]?.string else { continue }
          switch name["kind"]?.string {
          case "long": longOptions[text] = kind == "option"
          case "short": text.first.map { shortOptions[$0] = kind == "option" }
          default: break
          }
        }
      }
    }
  }
}
