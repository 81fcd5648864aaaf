import ArgumentParser
import Formats
import Patching

extension Spindle {
  struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Check a checkpoint the way the reference loaders do; exit 1 on any problem.",
      discussion: """
        safetensors checks follow the Rust crate's order, plus what it misses (duplicate \
        names, a tensor named __metadata__, non-string metadata, stale sharded indexes). \
        GGUF checks mirror ggml's gguf.cpp. Baked RoPE tables (spindle.rope) are recomputed \
        from their record and must match it, the model's geometry and its runtime keys \
        (no scaling applied twice). One line per problem: path @offset: message [kind]. \
        What the reference loaders accept but a person should know (GGUF strings that are \
        not UTF-8, a data section cut inside its final padding, a temporary file a killed \
        Spindle process left beside or inside it) is printed as a warning and does not \
        change the exit status.
        """)

    @OptionGroup var input: InputOptions

    @Flag(help: "Print one JSON document instead of text.")
    var json = false

    func run() throws {
      let problems: [FormatError]
      let warnings: [FormatError]
      let checkpoint: Checkpoint?
      switch Result(catching: { () throws(FormatError) in try Checkpoint.open(input.path) }) {
      case .success(let opened):
        checkpoint = opened
        problems = opened.problems
        warnings = opened.warnings + TemporaryName.leftoverWarnings(for: input.path)
      case .failure(let error):
        checkpoint = nil
        problems = [error]
        warnings = TemporaryName.leftoverWarnings(for: input.path)
      }
      // Tables are checked only in a file that reads: a malformed one has nothing to recompute.
      let tableProblems = checkpoint == nil ? [] : BakedRoPECheck(path: input.path).problems
      if json {
        try JSONOutput.print(
          ValidateDocument(
            path: input.path, passed: problems.isEmpty && tableProblems.isEmpty,
            format: checkpoint?.layout.formatName, problems: problems.map(ProblemDocument.init),
            warnings: warnings.map(ProblemDocument.init),
            ropeTableProblems: tableProblems.map(ProblemDocument.init)))
      } else {
        var lines = warnings.map { "warning: \($0.description)" }
        if problems.isEmpty, tableProblems.isEmpty, let checkpoint {
          lines.append(
            "\(input.path): OK (\(checkpoint.layout.rawValue), \(grouped(checkpoint.tensors.count)) tensors, \(checkpoint.metadata.count) metadata entries)"
          )
        } else {
          lines += problems.map(\.description) + tableProblems.map(\.description)
        }
        // One line per problem when piped; on a terminal a long one continues indented.
        print(wrapped(lines.joined(separator: "\n"), width: Terminal.outputColumns) { _ in 4 })
      }
      if !problems.isEmpty || !tableProblems.isEmpty { throw ExitCode.failure }
    }
  }
}
