import ArgumentParser
import Evaluation
import Formats
import Inference
import Models
import Rendering
import RoPE
import Tensors
import Tokenization

extension Spindle {
  /// `spindle eval-context`: perplexity by context length for each context method.
  struct EvalContext: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "eval-context",
      abstract: "Compare context methods (none, PI, NTK, YaRN, …) by perplexity at each length.",
      discussion: """
        Each method is applied when the model is loaded; nothing is rewritten. A model that \
        already carries a scaling (keys or baked tables) is evaluated as it is under the name \
        as-stamped. Methods extend the original window L (the declared original context, \
        else context_length): linear, ntk and yarn run with context factor × L; dynamic-ntk \
        recomputes the NTK base and dynamic-yarn the factor (max(1, l / L)) from the length \
        l of each sequence run.

        Protocols: truncate (default, the YaRN paper's): each text cut to its first N \
        tokens, one pass, every position scored, perplexity averaged over texts; with \
        --stride S, windows of N tokens S apart over the first max(--lengths) tokens, each \
        scoring only new tokens. llama.cpp: what `llama-perplexity -c N` computes (chunks of N \
        tokens, BOS first, the second half of each scored; 2N tokens per text), so the \
        figures compare digit for digit. See docs/long-context.md.

        Exit status: 0 evaluated, 1 unreadable model or text or a method the model cannot \
        run, 64 bad options.
        """)

    @Argument(
      help: ArgumentHelp("The model (GGUF file or Hugging Face folder).", valueName: "model"))
    var model: String

    @Option(
      name: .customLong("text"),
      help: ArgumentHelp(
        "A text to score (UTF-8), tokenized with the model's tokenizer; repeat for several"
          + " (default: the texts of `make eval-texts`, unless --passkey runs alone).",
        valueName: "file"))
    var texts: [String] = []

    @Option(
      help: ArgumentHelp("Context lengths, in tokens.", valueName: "n,n,…"),
      transform: EvalContext.integers)
    var lengths: [Int] = [4096, 8192, 16384, 32768]

    @Option(
      help: ArgumentHelp(
        "Methods: none, linear, ntk, dynamic-ntk, yarn, dynamic-yarn, as-stamped.",
        valueName: "m,m,…"),
      transform: EvalContext.methods)
    var methods: [ContextMethod]?

    @Option(help: "The scaling factor of linear, ntk, dynamic-ntk and yarn.")
    var factor: Double = 4

    @Option(
      help: ArgumentHelp("Several factors (overrides --factor).", valueName: "f,f,…"),
      transform: EvalContext.numbers)
    var factors: [Double]?

    @Option(
      name: .customLong("protocol"),
      help: ArgumentHelp("How texts are cut and scored.", valueName: "truncate|llama.cpp"))
    var scoring: Scoring = .truncate

    @Option(help: "Sliding windows this many tokens apart (truncate protocol).")
    var stride: Int?

    @Flag(help: "Also run passkey retrieval (a 5-digit key hidden in filler text).")
    var passkey = false

    @Option(help: "Passkey trials per method, length and depth.")
    var trials = 10

    @Option(
      help: ArgumentHelp(
        "Passkey depths in [0, 1] (default: a random depth per trial).", valueName: "d,d,…"),
      transform: EvalContext.numbers)
    var depths: [Double]?

    @Option(help: "Seed of the passkeys and their depths.")
    var seed: UInt64 = 1

    @OptionGroup var numerics: NumericsOptions

    @Option(
      name: [.customShort("t"), .customLong("threads")],
      help: "Worker threads (default: all cores).")
    var threads: Int?

    @Flag(help: "Print the results as one JSON document.")
    var json = false

    @Flag(help: "Print the results as CSV (one row per method, factor and length).")
    var csv = false

    @Option(
      help: ArgumentHelp(
        "Also write the perplexity-by-length plot here (SVG).", valueName: "file.svg"))
    var plot: String?

    @Option(
      help: ArgumentHelp(
        "Save each finished result here (JSON, as --json prints) and, when the file exists,"
          + " keep the results it holds: an interrupted run resumes.", valueName: "file.json"))
    var resume: String?

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    /// `--protocol`'s values.
    enum Scoring: String, ExpressibleByArgument, CaseIterable {
      case truncate
      case llamaCpp = "llama.cpp"
    }

    func validate() throws {
      if trials < 1 { throw ValidationError("--trials must be positive, not \(trials)") }
      if let bad = depths?.first(where: { !($0 >= 0 && $0 <= 1) }) {
        throw ValidationError("a depth must be in [0, 1], not \(bad)")
      }
      if let bad = lengths.first(where: { $0 < 2 || $0 > Limits.contextTokens }) {
        throw ValidationError("--lengths must be 2…\(Limits.contextTokens) tokens, not \(bad)")
      }
      if let bad = (factors ?? [factor]).first(where: { !($0.isFinite && $0 >= 1) }) {
        throw ValidationError("a factor must be >= 1, not \(bad)")
      }
      if let stride {
        guard scoring == .truncate else {
          throw ValidationError("--stride slides windows in the truncate protocol only")
        }
        guard stride >= 1, stride <= lengths.min()! else {
          throw ValidationError(
            "--stride must be 1…\(lengths.min()!) (the shortest length), not \(stride)")
        }
      }
      if json && csv { throw ValidationError("--json and --csv both choose the output; give one") }
      if let plot {
        guard plot.hasSuffix(".svg"), plot.count > 4 else {
          throw ValidationError("--plot writes SVG; name a file ending in .svg, not '\(plot)'")
        }
        guard !(texts.isEmpty && passkey) else {
          throw ValidationError(
            "--plot draws perplexity, which --passkey alone does not score; give --text FILE")
        }
      }
      if let threads, threads < 1 { throw ValidationError("--threads must be positive") }
    }

    func run() throws {
      if let threads { Parallelism.threadCount = threads }
      try numerics.scoped { try runScoped() }
    }

    private func runScoped() throws {
      let checkpoint = try ModelCheckpoint(path: model)
      var evaluator = ContextEvaluator(checkpoint: checkpoint, numericMode: numerics.mode)
      evaluator.flashAttention = numerics.flashAttention
      let tokenizer = try Tokenizer(path: model)
      var documents: [EvalContextDocument.Text] = []
      var tokenized: [[Int32]] = []
      var textPaths = texts
      var citation: String?
      if texts.isEmpty && !passkey { (textPaths, citation) = try DefaultTexts.load() }
      for path in textPaths {
        let bytes: [UInt8]
        do { bytes = try MappedFile(path: path).withUnsafeBytes { Array($0) } } catch {
          throw CommandFailure("\(path): cannot read the text: \(error)", cause: error)
        }
        // As llama-perplexity tokenizes: BOS as the model asks, special tokens as text.
        let ids = tokenizer.encode(
          String(decoding: bytes, as: UTF8.self), parseSpecialTokens: false)
        tokenized.append(ids)
        documents.append(.init(path: path, sha256: SHA256.hex(bytes), tokens: ids.count))
      }
      let chosen =
        methods
        ?? (evaluator.isStamped
          ? [.none, .linear, .ntk, .dynamicNTK, .yarn, .dynamicYaRN, .asStamped]
          : [.none, .linear, .ntk, .dynamicNTK, .yarn, .dynamicYaRN])
      if chosen.contains(.asStamped) && !evaluator.isStamped {
        throw CommandFailure(
          "\(model): as-stamped needs a model that carries a scaling; this one declares none")
      }
      let scoringProtocol: PerplexityProtocol =
        switch (scoring, stride) {
        case (.llamaCpp, _): .llamaCpp
        case (.truncate, nil): .truncate
        case (.truncate, let stride?): .sliding(stride: stride, span: lengths.max()!)
        }
      var cells: [(ContextMethod, Double)] = []
      for method in chosen {
        for factor in method.takesFactor ? (factors ?? [factor]) : [factor] {
          cells.append((method, factor))
        }
      }
      let beginning = tokenizer.prefix.first
      let runs = cells.flatMap { cell in lengths.map { (cell.0, cell.1, $0) } }
      let depthList: [Double?] = depths ?? [nil]
      let passkeyRuns = passkey ? runs.flatMap { run in depthList.map { (run, $0) } } : []
      let total = (textPaths.isEmpty ? 0 : runs.count) + passkeyRuns.count
      var remaining = RemainingTime(
        operations: (textPaths.isEmpty ? [] : runs).map { _, _, length in
          evaluator.perplexityOperations(
            length: length, texts: tokenized, protocol: scoringProtocol,
            beginningOfSequence: beginning)
        } + passkeyRuns.map { run, _ in evaluator.passkeyOperations(length: run.2, trials: trials) }
      )
      var step = 0
      let display = StageProgress(command: "eval-context", quiet: quiet)
      defer { display.finish() }
      func report(_ label: String, _ outcome: String, _ seconds: Double?) {
        step += 1
        remaining.finishStep(seconds: seconds)
        guard !quiet else { return }
        display.report(
          "eval-context [\(step)/\(total)] \(label): \(outcome)"
            + (seconds.map { " in \(Self.figure($0)) s" } ?? "")
            + (remaining.estimate.map { ", about \(RemainingTime.text($0)) left" } ?? ""))
      }
      var document = EvalContextDocument(
        model: model, protocol: scoring.rawValue, stride: stride,
        numerics: numerics.numerics.rawValue,
        flashAttention: numerics.mode == .llamaCpp ? numerics.flashAttention : nil,
        originalContextLength: evaluator.originalContextLength, textSource: citation,
        texts: documents, results: [], passkey: [],
        passkeyTrials: passkey ? trials : nil, passkeySeed: passkey ? seed : nil)
      let saved = try resume.flatMap { path in try SavedResults(path: path, for: document) }
      if !textPaths.isEmpty {
        for (method, factor, length) in runs {
          let label = Self.label(method, factor) + " at \(length)"
          if let result = saved?.perplexity(method, factor, length) {
            document.results.append(result)
            report(
              label, "perplexity \(Self.figure(result.perplexity)), saved by an earlier run", nil)
            continue
          }
          display.update(step: step + 1, of: total, label)
          let result = try evaluator.perplexity(
            method, factor: factor, length: length, texts: tokenized, protocol: scoringProtocol,
            beginningOfSequence: beginning, progress: display.advance)
          document.results.append(result)
          try save(document)
          report(
            label, "perplexity \(Self.figure(result.perplexity)), \(result.tokensRun) tokens",
            result.seconds)
        }
      }
      let retrieval = PasskeyRetrieval(tokenizer: tokenizer)
      for ((method, factor, length), depth) in passkeyRuns {
        let label =
          Self.label(method, factor) + " at \(length)"
          + (depth.map { ", depth \(NumberText.significant($0, digits: 4))" } ?? "")
        if let result = saved?.passkey(method, factor, length, depth) {
          document.passkey.append(result)
          report(label, "passkey \(result.correct)/\(result.trials), saved by an earlier run", nil)
          continue
        }
        display.update(step: step + 1, of: total, label)
        let result = try evaluator.passkey(
          method, factor: factor, length: length, depth: depth, trials: trials, seed: seed,
          retrieval: retrieval, progress: display.advance)
        document.passkey.append(result)
        try save(document)
        report(label, "passkey \(result.correct)/\(result.trials)", result.seconds)
      }
      display.finish()
      let results = document.results
      if let plot {
        let svg = PerplexityPlot(
          results: results, originalContextLength: evaluator.originalContextLength,
          title: "Perplexity by context length: \(Self.baseName(model))"
            + " (\(scoring.rawValue) protocol)"
        ).svg
        let writer = try AtomicFileWriter(destination: plot)
        try writer.write(svg)
        try writer.commit()
      }
      if json {
        try JSONOutput.print(document)
      } else if csv {
        print(document.csv, terminator: "")
      } else {
        print(document.table, terminator: "")
      }
    }

    /// Writes the results so far to the `--resume` file (temporary file, fsync, rename).
    func save(_ document: EvalContextDocument) throws {
      guard let resume else { return }
      let writer = try AtomicFileWriter(destination: resume)
      try writer.write(try JSONValueEncoder().encode(document).serialized(.pretty) + "\n")
      try writer.commit()
    }

    /// The last component of a path (`model.gguf`, the folder's name).
    static func baseName(_ path: String) -> String {
      let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
      return trimmed.split(separator: "/").last.map(String.init) ?? trimmed
    }

    static func label(_ method: ContextMethod, _ factor: Double) -> String {
      ContextMethod.label(method.rawValue, factor: method.takesFactor ? factor : nil)
    }

    static func figure(_ value: Double) -> String { NumberText.figures(value, digits: 4) }

    static func integers(_ text: String) throws -> [Int] {
      try text.split(separator: ",").map { part in
        guard let value = Int(part.trimmingCharacters(in: .whitespaces)) else {
          throw ValidationError("'\(part)' is not a whole number of tokens")
        }
        return value
      }
    }

    static func numbers(_ text: String) throws -> [Double] {
      try text.split(separator: ",").map { part in
        guard let value = Double(part.trimmingCharacters(in: .whitespaces)) else {
          throw ValidationError("'\(part)' is not a number")
        }
        return value
      }
    }

    static func methods(_ text: String) throws -> [ContextMethod] {
      try text.split(separator: ",").map { part in
        guard let method = ContextMethod(rawValue: String(part)) else {
          throw ValidationError(
            "unknown method '\(part)'; the methods are "
              + ContextMethod.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return method
      }
    }
  }
}
