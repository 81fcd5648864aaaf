import ArgumentParser
import Deployment
import Formats
import Models
import Tensors

extension Spindle {
  struct Memory: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "What running a model costs in memory: llama.cpp's CPU buffers, and bf16 in transformers and vLLM.",
      discussion: """
        llama.cpp (as vendored in llama-cpp-python 0.3.36): the weights (mapped from the file, \
        or loaded with --no-mmap), the KV cache (per layer K and V rows of the cache type for \
        every cell; the context padded to 256, split per sequence unless --kv-unified), the \
        compute buffer (an estimate of ggml-alloc's peak for the worst-case batch, within 5 % \
        of what llama.cpp printed for SmolLM2) and the output buffer, each with its formula; \
        the KV cache and output buffer equal llama.cpp's to the byte. The options are \
        llama.cpp's (-c, -ctk/-ctv, -fa, -b, -ub, -np, -kvu, --no-mmap) with its defaults. \
        transformers and vLLM: bf16 weights and the KV cache of one sequence at the context; \
        their activations are not modelled. docs/memory.md has the sources.

        Exit status: 0 shown, 1 unreadable model or a request llama.cpp refuses, 64 bad options.
        """)

    @OptionGroup var input: InputOptions

    @Option(help: "Tokens of context (llama.cpp -c; default: the model's context length).")
    var context: Int?

    @Option(help: "K and V cache type: f32, f16, bf16, q8_0, q4_0, q4_1, iq4_nl, q5_0, q5_1.")
    var cacheType: String?

    @Option(help: "K cache type (llama.cpp -ctk; default f16).")
    var cacheTypeK: String?

    @Option(help: "V cache type (llama.cpp -ctv; default f16).")
    var cacheTypeV: String?

    @Option(help: "Flash attention (llama.cpp -fa): auto is on for the CPU backend.")
    var flashAttn: FlashAttentionSetting = .auto

    @Option(help: "Logical batch (llama.cpp -b).")
    var batch = 2048

    @Option(help: "Physical batch (llama.cpp -ub).")
    var ubatch = 512

    @Option(help: "Sequences served in parallel (llama.cpp -np).")
    var parallel = 1

    @Flag(help: "One KV cache shared by all sequences (llama.cpp -kvu).")
    var kvUnified = false

    @Flag(help: "Load the weights instead of mapping them (llama.cpp --no-mmap).")
    var noMmap = false

    @Flag(help: "Print one JSON document instead of text.")
    var json = false

    static let cacheTypes: [String: DType] = [
      "f32": .f32, "f16": .f16, "bf16": .bf16, "q8_0": .q8_0, "q4_0": .q4_0, "q4_1": .q4_1,
      "iq4_nl": .iq4_NL, "q5_0": .q5_0, "q5_1": .q5_1,
    ]

    func validate() throws {
      for (name, value, limit) in [
        ("context", context ?? 1, Limits.contextTokens), ("batch", batch, Limits.contextTokens),
        ("ubatch", ubatch, Limits.contextTokens), ("parallel", parallel, 256),
      ] where !(1...limit).contains(value) {
        throw ValidationError("--\(name) must be 1…\(limit), not \(value)")
      }
      if cacheType != nil && (cacheTypeK != nil || cacheTypeV != nil) {
        throw ValidationError("--cache-type sets both K and V; give it or --cache-type-k/-v")
      }
      for value in [cacheType, cacheTypeK, cacheTypeV].compactMap({ $0 })
      where Self.cacheTypes[value] == nil {
        throw ValidationError(
          "no cache type '\(value)'; llama.cpp takes "
            + Self.cacheTypes.keys.sorted().joined(separator: ", "))
      }
    }

    var options: LlamaCppMemory.Options {
      var options = LlamaCppMemory.Options()
      options.context = context
      options.keyCacheType = (cacheTypeK ?? cacheType).flatMap { Self.cacheTypes[$0] } ?? .f16
      options.valueCacheType = (cacheTypeV ?? cacheType).flatMap { Self.cacheTypes[$0] } ?? .f16
      options.flashAttention = flashAttn.isOn
      options.batch = batch
      options.microBatch = ubatch
      options.sequences = parallel
      options.unifiedCache = kvUnified
      options.mapped = !noMmap
      return options
    }

    func run() throws {
      let header = try ModelHeader(path: input.path)
      let shape = ModelShape(header: header)
      let weights = LlamaCppMemory.weightBytes(of: header, mapped: !noMmap)
      let memory: LlamaCppMemory
      do {
        memory = try LlamaCppMemory(shape: shape, weightBytes: weights, options: options)
      } catch {
        throw CommandFailure("\(input.path): \(error)", path: input.path)
      }
      // The tokens asked for: llama.cpp's padding to 256 is its own.
      let python = PythonRuntimeMemory(shape: shape, context: context ?? shape.contextLength)
      let document = MemoryDocument(
        path: input.path, shape: shape, llamaCpp: memory, python: python)
      if json {
        try JSONOutput.print(document)
      } else {
        print(document.text)
      }
    }
  }
}
