import ArgumentParser
import Formats
import Inference
import Verification

#if canImport(Glibc)
import Glibc
#endif

extension Spindle {
  /// `llama-bench` for the built-in forward pass (hidden; `Benchmarks/inference.sh` runs it).
  struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Time prompt processing and generation (llama-bench's pp and tg tests).",
      usage: "spindle bench [<options>] <model>",
      discussion: """
        As llama-bench measures them: pp runs -p pseudo-random token ids as one batch into an \
        empty KV cache and computes the last position's logits; tg runs -n steps of one token \
        each from an empty cache, every step with its logits. One warm-up run of each test, \
        then -r timed repetitions; the rate is tokens / mean seconds. Prints one line per \
        test, or with --json one object per test.
        """,
      shouldDisplay: false)

    @Argument(
      help: ArgumentHelp("The model (GGUF file or Hugging Face folder).", valueName: "model"))
    var model: String

    @Option(
      name: [.customShort("p"), .customLong("prompt-tokens")],
      help: "Tokens in the pp test (0: skip).")
    var promptTokens = 256

    @Option(
      name: [.customShort("n"), .customLong("generate-tokens")],
      help: "Steps in the tg test (0: skip).")
    var generateTokens = 32

    @Option(name: [.customShort("r"), .customLong("repetitions")], help: "Timed runs per test.")
    var repetitions = 3

    @OptionGroup var numerics: NumericsOptions

    @Option(
      name: [.customShort("t"), .customLong("threads")],
      help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(
      help: """
        Also time one whole-sequence pass (verify's long-context pass: logits of the last \
        position only) over this many tokens, and report the peak resident memory.
        """)
    var context: Int?

    @Flag(help: "One JSON object per test instead of text.")
    var json = false

    func validate() throws {
      guard promptTokens >= 0, generateTokens >= 0, repetitions > 0 else {
        throw ValidationError("-p and -n must be >= 0 and -r positive")
      }
      if let threads, threads < 1 { throw ValidationError("--threads must be positive") }
    }

    func run() throws {
      if let threads { Parallelism.threadCount = threads }
      try numerics.scoped { try runScoped() }
    }

    /// The llama.cpp build whose sums the pass follows: llama.cpp numerics only.
    private var followedBuild: LlamaCppBuild? {
      numerics.mode == .llamaCpp ? LlamaCppBuild.selected : nil
    }

    /// ` build=avx2` (``followedBuild``), else nothing.
    private var buildLabel: String { followedBuild.map { " build=\($0.rawValue)" } ?? "" }

    private func runScoped() throws {
      let checkpoint = try LlamaCheckpoint(path: model)
      let forward = try checkpoint.model(
        rotary: .llamaCpp, numericMode: numerics.mode, flashAttention: numerics.flashAttention)
      let vocabulary = forward.configuration.vocabularySize
      // llama-bench draws std::rand() ids; any fixed ids do (the cost does not depend on them).
      var state: UInt64 = 0x9E37_79B9_7F4A_7C15
      func nextToken() -> Int32 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int32(truncatingIfNeeded: (state >> 33) % UInt64(vocabulary))
      }
      let clock = ContinuousClock()
      var tests: [(name: String, tokens: Int, body: () throws -> Void)] = []
      if promptTokens > 0 {
        let prompt = (0..<promptTokens).map { _ in nextToken() }
        tests.append(
          (
            "pp\(promptTokens)", promptTokens,
            {
              var cache = KeyValueCache(for: forward)
              _ = try forward.logits(appending: prompt, to: &cache)
            }
          ))
      }
      if generateTokens > 0 {
        let steps = (0..<generateTokens).map { _ in nextToken() }
        tests.append(
          (
            "tg\(generateTokens)", generateTokens,
            {
              var cache = KeyValueCache(for: forward)
              for token in steps { _ = try forward.logits(appending: [token], to: &cache) }
            }
          ))
      }
      if let context {
        let tokens = (0..<context).map { _ in nextToken() }
        let start = clock.now
        let attentionStart = AttentionTime.seconds
        _ = try forward.logits(tokens: tokens, startPosition: 0, outputs: [context - 1])
        let seconds = (clock.now - start).seconds
        let attentionSeconds = AttentionTime.seconds - attentionStart
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let peak = Int(usage.ru_maxrss) * 1024
        if json {
          try JSONOutput.print(
            BenchDocument(
              test: "context\(context)", numerics: numerics.numerics.rawValue,
              threads: Parallelism.threadCount, llamaCppBuild: followedBuild, tokens: context,
              seconds: seconds, attentionSeconds: attentionSeconds,
              peakRSSBytes: peak),
            style: .compact)
        } else {
          print(
            "context\(context) \(numerics.numerics.rawValue) t=\(Parallelism.threadCount)"
              + " kernels=\(KernelLevel.selected.rawValue)\(buildLabel):"
              + " \((seconds * 100).rounded() / 100) s (attention"
              + " \((attentionSeconds * 100).rounded() / 100) s), peak RSS \(peak / 1_048_576) MiB")
        }
      }
      for test in tests {
        try test.body()  // warm-up, as llama-bench
        var seconds: [Double] = []
        for _ in 0..<repetitions {
          let start = clock.now
          try test.body()
          seconds.append((clock.now - start).seconds)
        }
        let mean = seconds.reduce(0, +) / Double(seconds.count)
        let rates = seconds.map { Double(test.tokens) / $0 }
        let rate = Double(test.tokens) / mean
        let variance =
          rates.count > 1
          ? rates.map { ($0 - rate) * ($0 - rate) }.reduce(0, +) / Double(rates.count - 1) : 0
        let deviation = variance.squareRoot()
        if json {
          try JSONOutput.print(
            BenchDocument(
              test: test.name, numerics: numerics.numerics.rawValue,
              threads: Parallelism.threadCount, llamaCppBuild: followedBuild, tokens: test.tokens,
              repetitions: repetitions,
              meanSeconds: mean, tokensPerSecond: rate, stddevTokensPerSecond: deviation),
            style: .compact)
        } else {
          let rounded = (rate * 100).rounded() / 100
          let spread = (deviation * 100).rounded() / 100
          print(
            "\(test.name) \(numerics.numerics.rawValue) t=\(Parallelism.threadCount)"
              + " kernels=\(KernelLevel.selected.rawValue)\(buildLabel):"
              + " \(rounded) ± \(spread) tokens/s")
        }
      }
    }
  }
}
