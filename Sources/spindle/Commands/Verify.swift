import ArgumentParser
import Deployment
import Formats
import Inference
import Tensors
import Tokenization
import Verification

extension Spindle {
  struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Prove a patched model right: structure, baked tables, and the forward pass.",
      discussion: """
        Checks, each reported as PASS/FAIL/SKIP with its figure:

        - file: everything `validate` checks (the original's file too).
        - tables: baked RoPE tables recomputed from their spindle.rope record.
        - scaling: YaRN states its original context; context = original × factor; with \
        --against: the original context is the original's, the factor their ratio.
        - changes: with --against, only RoPE keys and tables changed (tensor bytes compared; \
        portable mode may scale Q/K).
        - values: no NaN/Inf in any tensor (quantized: block scales).
        - equivalence: attention scores of every layer with runtime scaling vs the baked tables \
        (keys only: the tables computed here; portable: needs --against) between positions \
        spread over the whole context (no forward pass: seconds at any model size); max \
        |Δscore| / max |score| <= --tolerance (default 1e-2).
        - drift: with --against, mean KL(original ‖ patched) of next-token distributions on the \
        probe inside the original window <= --max-kl (default 0.4 nats; YaRN changes the \
        low-frequency pairs, so this is small but not zero).
        - long-context: NLL per position bucket up to --long-context (default min(2 × original, \
        context)) for the patched model and, with --against, the original; fails on NaN/Inf, \
        or when the patched NLL past the original window exceeds the original's by more than \
        --max-nll-increase (default 0.5 nats).

        Probes: by default a seeded random segment of token ids repeated to the probe length (a \
        working model predicts the repeats, so long-context NLL means something without any \
        text), --token-file FILE (whitespace-separated ids), or --text-file FILE (tokenized with \
        the patched model's tokenizer: GGUF tokenizer.ggml.* keys or the folder's \
        tokenizer.json; real text makes the long-context NLL meaningful).

        The forward pass runs GGUF files and Hugging Face folders of the llama family (GGUF with \
        llama.cpp's rotary kernel, folders with transformers' tables). --budget (default 2m) \
        bounds the whole run: a 16-token pass measures the forward pass first, the plan (each \
        check's estimated time) goes to stderr, the drift probe is shortened only if it would \
        take more than half the time left, and the long-context probe gets the rest (the report \
        says what length was affordable; a probe that cannot reach past the window is skipped \
        with the budget it would need). --probe-length and --long-context are run as given.

        Exit status: 0 every check passed or was skipped, 1 a check failed, 64 bad options.
        """)

    @OptionGroup var input: InputOptions

    @Option(help: ArgumentHelp("The unpatched model to compare with.", valueName: "original"))
    var against: String?

    @Option(
      name: .customLong("token-file"),
      help: ArgumentHelp(
        "Probe token ids, whitespace-separated, instead of the embedded probe.",
        valueName: "file"))
    var tokenFile: String?

    @Option(
      name: .customLong("text-file"),
      help: ArgumentHelp(
        "Probe text, tokenized with the patched model's own tokenizer.", valueName: "file"))
    var textFile: String?

    @Option(
      help: ArgumentHelp(
        "How long the whole verification may take: the probes are sized to fit (90s, 2m, 1h30m,"
          + " none).", valueName: "duration"))
    var budget = TimeBudget(seconds: VerificationOptions().budget)

    @Option(
      help: ArgumentHelp(
        "Tokens in the drift probe (default 128, shorter if the budget needs; capped at the"
          + " original context)."))
    var probeLength: Int?

    @Option(
      help: ArgumentHelp(
        "Tokens in the long-context probe (default: min(2 × original, context), or what the"
          + " budget affords)."))
    var longContext: Int?

    @Option(help: "Position buckets for the long-context NLL.")
    var buckets = 4

    @Option(help: "Positions scored per bucket (evenly spaced; the bucket's width or more: all).")
    var samplesPerBucket = 32

    @Option(help: "Equivalence: largest |Δscore| allowed, relative to the largest |score|.")
    var tolerance = VerificationOptions().equivalenceTolerance

    @Option(
      name: .customLong("max-kl"), help: "Drift: largest mean KL(original ‖ patched) in nats.")
    var maxKL = 0.4

    @Option(
      name: .customLong("max-nll-increase"),
      help:
        "Long context: how far the patched NLL past the window may exceed the original's (nats).")
    var maxNLLIncrease = 0.5

    @Flag(
      help: ArgumentHelp(
        "Fail the long-context check, instead of skipping it, when the probe never goes past"
          + " the original window."))
    var requireLongContext = false

    @OptionGroup var numerics: NumericsOptions

    @Option(
      help: ArgumentHelp(
        "Fail when one of these runtimes would apply another scaling: all, or ids such as"
          + " transformers-4.51,vllm-0.30,llama.cpp (spindle rope --runtimes lists them).",
        valueName: "all|id,…"))
    var runtimes: String?

    @Flag(help: "Only the structure checks (no forward pass).")
    var structureOnly = false

    @Option(help: "Threads for the forward pass (default: every core).")
    var threads: Int?

    @Flag(help: "Print the report as one JSON document.")
    var json = false

    @Flag(help: "No progress display.")
    var quiet = false

    /// `--runtimes` as runtime ids (`all`: every one); `nil` when not given.
    var runtimeIDs: [String]? {
      guard let runtimes else { return nil }
      if runtimes == "all" { return Runtime.catalog.map(\.id) }
      return runtimes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    func validate() throws {
      if let unknown = runtimeIDs?.first(where: { Runtime.named($0) == nil }) {
        throw ValidationError(
          "no runtime '\(unknown)' in --runtimes; give all or some of "
            + Runtime.catalog.map(\.id).joined(separator: ", "))
      }
      for (name, value) in [
        ("--probe-length", probeLength ?? 1), ("--buckets", buckets),
        ("--samples-per-bucket", samplesPerBucket),
      ] where value <= 0 {
        throw ValidationError("\(name) must be a positive integer, not \(value)")
      }
      if let longContext, longContext < 2 {
        throw ValidationError("--long-context must be at least 2 tokens, not \(longContext)")
      }
      for (name, value) in [
        ("--tolerance", tolerance), ("--max-kl", maxKL), ("--max-nll-increase", maxNLLIncrease),
      ] where !(value.isFinite && value >= 0) {
        throw ValidationError("\(name) must be a finite number >= 0, not \(value)")
      }
      if let threads, threads < 1 {
        throw ValidationError("--threads must be a positive integer, not \(threads)")
      }
      if let against, against.isEmpty { throw ValidationError("--against names no file") }
      if let tokenFile, tokenFile.isEmpty {
        throw ValidationError("--token-file names no file")
      }
      if tokenFile != nil && textFile != nil {
        throw ValidationError("--token-file and --text-file both give the probe; give one")
      }
    }

    func run() throws {
      if let threads { Parallelism.threadCount = threads }
      try numerics.scoped { try runScoped() }
    }

    private func runScoped() throws {
      var options = VerificationOptions(against: against)
      options.probeLength = probeLength
      options.budget = budget.seconds
      options.longContextLength = longContext
      options.bucketCount = buckets
      options.samplesPerBucket = samplesPerBucket
      options.equivalenceTolerance = tolerance
      options.maximumMeanKL = maxKL
      options.maximumNLLIncrease = maxNLLIncrease
      options.numericMode = numerics.mode
      options.flashAttention = numerics.flashAttention
      options.structureOnly = structureOnly
      options.requireLongContext = requireLongContext
      options.runtimes = runtimeIDs
      if let tokenFile {
        let ids = try Self.readTokens(tokenFile)
        options.probe = .tokens(ids)
      }
      if let textFile {
        let file: MappedFile
        do { file = try MappedFile(path: textFile) } catch {
          throw CommandFailure(
            "\(textFile): cannot read the probe text: \(error)", cause: error)
        }
        let probe = file.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        let tokenizer: Tokenizer
        do { tokenizer = try Tokenizer(path: input.path) } catch {
          throw CommandFailure("--text-file needs the model's tokenizer: \(error)", cause: error)
        }
        options.probe = .text(probe) { tokenizer.encode($0) }
      }
      let display = StageProgress(command: "verify", quiet: quiet)
      let report = Verifier(path: input.path, options: options).run { step in
        if let share = step.share {
          display.advance(share)
        } else {
          display.update(step: step.step, of: step.stepCount, step.label)
        }
      } planned: { plan in
        if !quiet { display.report(plan.lines.joined(separator: "\n")) }
      }
      display.finish()
      if json {
        try JSONOutput.print(report)
      } else {
        // Check lines and details continue under the message column.
        let column = (report.checks.map(\.name.count).max() ?? 0) + 10
        print(
          wrapped(report.text, width: Terminal.outputColumns) { $0.hasPrefix("  ") ? column : 2 })
      }
      if !report.passed { throw ExitCode.failure }
    }

    static func readTokens(_ path: String) throws -> [Int32] {
      let file: MappedFile
      do { file = try MappedFile(path: path) } catch {
        throw CommandFailure("\(path): cannot read the token file: \(error)", cause: error)
      }
      let text = file.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
      let ids: [Int32]
      do { ids = try ProbeSource.parseTokenList(text) } catch {
        throw CommandFailure("\(path): \(error.message)", cause: error)
      }
      guard !ids.isEmpty else {
        throw CommandFailure("\(path): the token file holds no ids", path: path)
      }
      return ids
    }
  }
}
