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
      usage: "spindle run [<options>] <model> --prompt <prompt>",
      discussion: """
        MODEL is a GGUF file or a Hugging Face folder (config.json, safetensors, \
        tokenizer.json). The prompt is tokenized as llama.cpp tokenizes it (special tokens \
        such as <|im_start|> are recognized, BOS added when the model asks for it); each \
        next token is the highest logit, printed as soon as it is chosen, until -n tokens or \
        an end-of-generation token. --echo first prints the prompt's tokens as llama.cpp's \
        llama-simple does (special tokens, BOS included, as their text). A statistics line \
        goes to stderr. --numerics llama.cpp rounds where llama.cpp's CPU backend rounds \
        (activation quantization, F16 KV cache), to reproduce its greedy output on quantized \
        files. --json prints the token ids and the text as one JSON object instead of \
        streaming.

        Exit status: 0 generated, 1 unreadable model or tokenizer, 64 bad options.
        """)

    @Argument(help: ArgumentHelp("The model.", valueName: "model"))
    var model: String

    @Option(help: "The text to continue.")
    var prompt: String

    @Option(
      name: [.customShort("n"), .customLong("max-tokens")],
      help: "Tokens to generate at most (fewer when an end-of-generation token comes).")
    var count = 32

    @OptionGroup var numerics: NumericsOptions

    @Flag(help: "Print the prompt before the continuation, as llama.cpp's llama-simple does.")
    var echo = false

    @Flag(help: "Print {path, prompt, generated, text} as JSON instead of streaming text.")
    var json = false

    @Option(help: "Threads for the forward pass (default: every core).")
    var threads: Int?

    func validate() throws {
      guard count > 0 else {
        throw ValidationError("-n/--max-tokens must be positive, not \(count)")
      }
      if echo && json {
        throw ValidationError("--echo prints the prompt as text; --json already holds its tokens")
      }
      if let threads, threads < 1 {
        throw ValidationError("--threads must be a positive integer, not \(threads)")
      }
    }

    func run() throws {
      if let threads { Parallelism.threadCount = threads }
      try numerics.scoped { try runScoped() }
    }

    private func runScoped() throws {
      let clock = ContinuousClock()
      let loadStart = clock.now
      // The model first: what is wrong with the path itself is said before the tokenizer.
      let checkpoint = try LlamaCheckpoint(path: model)
      let tokenizer = try Tokenizer(path: model)
      let forward = try checkpoint.model(
        rotary: .llamaCpp, numericMode: numerics.mode, flashAttention: numerics.flashAttention)
      let promptTokens = tokenizer.encode(prompt)
      guard !promptTokens.isEmpty else {
        throw CommandFailure("the prompt gives no tokens; give some text")
      }
      let loaded = clock.now - loadStart
      var stream = TokenStreamDecoder()
      if echo {
        // One decoder for prompt and continuation: a character split across them prints whole.
        for token in promptTokens {
          print(stream.append(try tokenizer.piece(token)), terminator: "")
        }
        fflush(nil)
      }
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
        try JSONOutput.print(
          RunDocument(path: model, prompt: promptTokens, generated: generated, text: text),
          style: .compact)
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
