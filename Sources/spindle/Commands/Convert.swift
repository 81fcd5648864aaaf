import ArgumentParser
import Conversion
import Quantization

#if canImport(Glibc)
import Glibc
#endif

extension Spindle {
  struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Convert a Hugging Face folder to GGUF (any common type or quant recipe), or back.",
      usage: """
        spindle convert <folder> -o OUT.gguf [--dtype TYPE | --quant RECIPE]
            [--pre NAME] [--split-max-size N[K|M|G]] [--split-max-tensors N]
          spindle convert MODEL.gguf --to hf -o DIR [--dtype f32|f16|bf16]
            [--shard-size 5GB]
        """,
      discussion: """
        Reads config.json and the safetensors weights (one file or a sharded set, plain or \
        .zst) of a llama, mistral, qwen2, qwen3, phi3 or gpt_neox model and writes the GGUF \
        llama.cpp's convert_hf_to_gguf.py writes: the same tensor names, shapes, types and \
        bytes (Q/K rows permuted for llama, GPT-NeoX's per-head QKV reordered, rope tables for \
        llama3 and LongRoPE scalings), the general.* keys, every {arch}.* hyperparameter and \
        the RoPE scaling keys, and a spindle.convert provenance record. Norms and 1-D tensors \
        stay F32; F16/BF16 round to nearest even; --dtype auto takes BF16 or F16 from the \
        weights. Tensors are streamed one at a time (untouched ones copied with \
        copy_file_range); the output is checked for free space first, validated as \
        `spindle validate` does, and appears only when complete. Tensors the architecture \
        does not know are an error listing them; --skip-unknown drops them and says which. \
        The tokenizer keys are llama.cpp's converter's; tokenizer.ggml.pre is found by its \
        hash of the check text (--pre NAME names an unknown one). --dtype q4_0 … q6_k \
        quantizes every matrix of whole blocks with ggml's reference quantizers; --quant \
        RECIPE gives each tensor llama-quantize's type for that recipe (no importance matrix). \
        --split-max-size / --split-max-tensors write llama.cpp's split set \
        (OUT-00001-of-0000N.gguf …, split.* keys, metadata in the first shard) as \
        convert_hf_to_gguf.py does; no shard appears until all are written and validated.

        With --to hf, reads a GGUF (one file, a split set, or .zst) and writes a Hugging Face \
        folder: every tensor dequantized and written as --dtype f32, f16 or bf16 (default \
        f16) under its transformers name, llama's Q/K permutation undone, safetensors shards \
        of at most --shard-size (default 5GB) with their index, config.json, \
        generation_config.json, and tokenizer.json + tokenizer_config.json rebuilt from a \
        byte-level BPE or SentencePiece vocabulary. The folder appears only when complete.

        Exit status: 0 done, 1 refused or failed (nothing written), 64 bad options.
        """)

    @Argument(help: ArgumentHelp("A Hugging Face model folder.", valueName: "folder"))
    var folder: String

    @Option(
      help: ArgumentHelp(
        "Element type of the matrices (rows that are not whole blocks stay F16).",
        valueName: "f32|f16|bf16|q8_0|q4_0|q4_1|q5_0|q5_1|q4_k|q5_k|q6_k|auto"))
    var dtype: ConversionPlan.TargetType?

    @Option(
      help: ArgumentHelp(
        "llama-quantize's recipe: each tensor's type as llama-quantize chooses it (no imatrix).",
        valueName: "q4_k_m|q5_k_m|q6_k|q8_0|…"),
      transform: { text in
        guard let recipe = QuantizationRecipe(name: text) else {
          throw ValidationError(
            "unknown recipe '\(text)'; valid: "
              + QuantizationRecipe.allCases.map { $0.name.lowercased() }.joined(separator: ", "))
        }
        return recipe
      })
    var quant: QuantizationRecipe?

    @Option(help: "What to write: gguf (from a Hugging Face folder) or hf (from a GGUF file).")
    var to: Target = .gguf

    @Option(
      help: ArgumentHelp(
        "With --to hf: the largest safetensors shard (5GB, 500MB, 2GiB).", valueName: "size"),
      transform: Self.dataSize)
    var shardSize: DataSize?

    @Flag(help: "Drop tensors the architecture does not know (listed) instead of failing.")
    var skipUnknown = false

    @Option(
      name: .customLong("pre"),
      help: ArgumentHelp(
        "tokenizer.ggml.pre to write when llama.cpp's hash of the tokenizer is not a known one.",
        valueName: "name"))
    var preTokenizer: String?

    @Option(
      help: ArgumentHelp(
        "Split the output into llama.cpp's OUT-00001-of-0000N.gguf shards of at most this many"
          + " tensor bytes (2G, 500M, 5GB, 2GiB).", valueName: "size"),
      transform: Self.dataSize)
    var splitMaxSize: DataSize?

    @Option(
      help: ArgumentHelp(
        "Split the output into llama.cpp's shards of at most this many tensors.",
        valueName: "count"))
    var splitMaxTensors: Int?

    @Flag(help: "No progress bar.")
    var quiet = false

    @OptionGroup var destination: OutputOptions

    func validate() throws {
      if folder.isEmpty { throw ValidationError("the folder path is empty") }
      if dtype != nil, quant != nil {
        throw ValidationError("give --dtype or --quant, not both")
      }
      if to == .hf, quant != nil {
        throw ValidationError("--quant applies to GGUF output, not --to hf")
      }
      if destination.inPlace {
        throw ValidationError("convert writes a new file: give -o OUT.gguf, not --in-place")
      }
      try destination.validate(input: folder)
      if to == .hf, exportType == nil {
        throw ValidationError(
          "--to hf writes f32, f16 or bf16, not \(dtype?.rawValue ?? quant?.name.lowercased() ?? "")"
        )
      }
      if shardSize != nil, to != .hf {
        throw ValidationError("--shard-size applies to --to hf")
      }
      if let splitMaxTensors, splitMaxTensors < 1 {
        throw ValidationError("--split-max-tensors must be at least 1, not \(splitMaxTensors)")
      }
      if to == .hf, splitMaxSize != nil || splitMaxTensors != nil {
        throw ValidationError("--split-max-size and --split-max-tensors apply to GGUF output")
      }
    }

    var splitLimits: ConversionPlan.SplitLimits {
      .init(maxTensors: splitMaxTensors ?? 0, maxBytes: splitMaxSize?.byteCount ?? 0)
    }

    func run() throws {
      if to == .hf { return try runHuggingFace() }
      let plan = try ConversionPlan(
        folder: folder,
        options: .init(
          type: dtype ?? .f16, skipUnknown: skipUnknown, preTokenizer: preTokenizer,
          recipe: quant))
      for warning in plan.warnings { Terminal.printError("warning: \(warning)") }
      if destination.dryRun {
        let shards = plan.shards(of: destination.output ?? "OUT.gguf", limits: splitLimits)
        if destination.json {
          try JSONOutput.print(
            ConvertDocument(
              plan: plan, output: destination.output, written: nil, seconds: nil,
              shards: splitLimits.isSplitting ? shards : nil))
          return
        }
        print(
          "\(destination.output ?? "OUT"): would be written from \(folder): \(plan.architecture.ggufName),"
            + " \(plan.typeName), \(grouped(plan.tensors.count)) tensors"
            + " (\(grouped(plan.tensorByteCount)) bytes), \(grouped(plan.metadata.count)) metadata"
            + " entries")
        if shards.count > 1 {
          for shard in shards {
            let bytes = plan.tensors[shard.tensors].reduce(0) { $0 + $1.byteCount }
            print("\(shard.path): \(shard.tensors.count) tensors (\(grouped(bytes)) bytes)")
            for tensor in plan.tensors[shard.tensors] { print("  " + tensor.planLine) }
          }
        } else {
          for tensor in plan.tensors { print("  " + tensor.planLine) }
        }
        if !plan.skipped.isEmpty { print("skipped: " + plan.skipped.joined(separator: ", ")) }
        return
      }
      guard let output = destination.output else { return }
      let progress = Progress(label: "converting", quiet: quiet || destination.json)
      let started = Self.now()
      let written = try plan.write(to: output, split: splitLimits) { done, total in
        progress.update(done, of: total)
      }
      progress.finish()
      let seconds = Self.now() - started
      if destination.json {
        try JSONOutput.print(
          ConvertDocument(
            plan: plan, output: output, written: written, seconds: seconds,
            shards: splitLimits.isSplitting ? plan.shards(of: output, limits: splitLimits) : nil))
        return
      }
      if written.shards.count > 1 {
        print("\(written.shards.count) shards: " + written.shards.joined(separator: ", "))
      }
      let copied = plan.tensors.filter(\.isCopy).count
      print(
        "\(written.path): \(grouped(written.byteCount)) bytes, \(grouped(plan.tensors.count)) tensors"
          + " (\(grouped(copied)) copied, \(grouped(plan.tensors.count - copied)) converted or"
          + " rearranged), \(plan.architecture.ggufName) \(plan.typeName)"
          + (plan.skipped.isEmpty ? "" : "; skipped: " + plan.skipped.joined(separator: ", ")))
    }

    static func now() -> Double {
      var time = timespec()
      clock_gettime(CLOCK_MONOTONIC, &time)
      return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
  }
}

extension Spindle.Convert {
  /// `--shard-size` and `--split-max-size`: a ``DataSize``, or a message listing the forms.
  static func dataSize(_ text: String) throws -> DataSize {
    guard let size = DataSize(text) else {
      throw ValidationError(
        "not a size: bytes, or a number with K, M, G, T or KB, MB, GB, TB (powers of 1000)"
          + " or KiB, MiB, GiB, TiB (powers of 1024)")
    }
    return size
  }
}

extension ConversionPlan.TargetType: ExpressibleByArgument {}
