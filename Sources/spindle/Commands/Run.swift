import ArgumentParser
import Formats
import Inference
import Tokenization
import Verification

#if canImport(Glibc)
import Glibc
#endif

extension Spindle {
  struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Generate text greedily with the built-in forward pass.",
      discussion: """
        MODEL is a GGUF file or a Hugging Face folder (config.json, safetensors, \
        tokenizer.json). The prompt is tokenized as llama.cpp tokenizes it (special tokens \
        such as <|im_start|> are recognized, BOS added when the model asks for it); each \
        next token is the highest logit, printed as soon as it is chosen, until -n tokens or \
        an end-of-generation token. A statistics line goes to stderr. --numerics llama.cpp \
        rounds where llama.cpp's CPU backend rounds (activation quantization, F16 KV cache), \
        to reproduce its greedy output on quantized files. --json prints the token ids and \
        the text as one JSON object instead of streaming.
        Exit status: 0 generated, 1 unreadable model or tokenizer, 64 bad options.
        """)

    enum Numerics: String, ExpressibleByArgument, CaseIterable {
      case exact
      case llamaCpp = "llama.cpp"
    }

    @Argument(help: ArgumentHelp("The model.", valueName: "model"))
    var model: String

    @Option(help: "The text to continue.")
    var prompt: String

    @Option(name: [.customShort("n"), .customLong("tokens")], help: "Tokens to generate.")
    var count = 32

    @Option(help: "Where the forward pass rounds: exact or llama.cpp.")
    var numerics: Numerics = .exact

    @Flag(help: "Print {prompt, generated, text} as JSON instead of streaming text.")
    var json = false

    @Option(help: "Threads for the forward pass (default: every core).")
    var threads: Int?

    func validate() throws {
      guard count > 0 else { throw ValidationError("-n must be positive, not \(count)") }
      if let threads, threads < 1 {
        throw ValidationError("--threads must be a positive integer, not \(threads)")
      }
    }

    func run() throws {
      if let threads { Parallelism.threadCount = threads }
      let clock = ContinuousClock()
      let loadStart = clock.now
      let tokenizer = try Tokenizer(path: model)
      let checkpoint = try LlamaCheckpoint(path: model)
      let forward = try checkpoint.model(
        rotary: .llamaCpp, numericMode: numerics == .exact ? .exact : .llamaCpp)
      let promptTokens = tokenizer.encode(prompt)
      guard !promptTokens.isEmpty else {
        throw CommandFailure("the prompt gives no tokens; give some text")
      }
      let loaded = clock.now - loadStart
      var stream = TokenStreamDecoder()
      var text = ""
      var firstToken: Duration?
      let start = clock.now
      var pieceError: (any Error)?
      let generated = try forward.greedyTokens(
        after: promptTokens, count: count, stop: tokenizer.endOfGeneration
      ) { token in
        if firstToken == nil { firstToken = clock.now - start }
        let piece: [UInt8]
        do { piece = try tokenizer.piece(token) } catch {
          pieceError = error
          return
        }
        let chunk = stream.append(piece)
        text += chunk
        if !json {
          print(chunk, terminator: "")
          fflush(nil)
        }
      }
      if let pieceError { throw pieceError }
      let tail = stream.finish()
      text += tail
      let elapsed = clock.now - start
      if json {
        let document = JSONObject([
          ("prompt", .array(promptTokens.map { JSONValue.integer(Int($0)) })),
          ("generated", .array(generated.map { JSONValue.integer(Int($0)) })),
          ("text", .string(text)),
        ])
        print(JSONValue.object(document).serialized())
      } else {
        print(tail)
        fflush(nil)
      }
      let promptSeconds = (firstToken ?? elapsed).seconds
      let decodeSeconds = elapsed.seconds - promptSeconds
      let decodeRate =
        generated.count > 1 && decodeSeconds > 0
        ? Double(generated.count - 1) / decodeSeconds : 0
      Terminal.printError(
        "\(promptTokens.count) prompt tokens in \(format(promptSeconds)) s"
          + " (\(format(Double(promptTokens.count) / max(promptSeconds, 1e-9))) tokens/s),"
          + " \(generated.count) generated in \(format(elapsed.seconds)) s"
          + " (\(format(decodeRate)) tokens/s after the first), load \(format(loaded.seconds)) s")
    }

    func format(_ value: Double) -> String {
      let scaled = (value * 100).rounded() / 100
      return "\(scaled)"
    }
  }
}

extension Duration {
  /// The duration in seconds.
  fileprivate var seconds: Double {
    let (whole, fraction) = components
    return Double(whole) + Double(fraction) / 1e18
  }
}
