import ArgumentParser
import Conversion

#if canImport(Glibc)
import Glibc
#endif

extension Spindle {
  struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Convert a Hugging Face folder to GGUF (F32, F16, BF16 or Q8_0), or a GGUF back.",
      usage: """
        spindle convert <folder> -o OUT.gguf [--dtype f32|f16|bf16|q8_0|auto]
          spindle convert MODEL.gguf --to hf -o DIR [--dtype f32|f16|bf16] [--shard-size 5GB]
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
        Tokenizer keys are not written yet.

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

    @Option(help: "Element type of the matrices: f32, f16, bf16, q8_0 or auto.")
    var dtype: ConversionPlan.TargetType = .f16

    @Option(help: "What to write: gguf (from a Hugging Face folder) or hf (from a GGUF file).")
    var to: Target = .gguf

    @Option(help: "With --to hf: the largest safetensors shard (5GB, 500MB, 2GiB).")
    var shardSize: String?

    @Flag(help: "Drop tensors the architecture does not know (listed) instead of failing.")
    var skipUnknown = false

    @Flag(help: "No progress bar.")
    var quiet = false

    @OptionGroup var destination: OutputOptions

    func validate() throws {
      if folder.isEmpty { throw ValidationError("the folder path is empty") }
      if destination.inPlace {
        throw ValidationError("convert writes a new file: give -o OUT.gguf, not --in-place")
      }
      try destination.validate(input: folder)
      if to == .hf, exportType == nil {
        throw ValidationError("--to hf writes f32, f16 or bf16, not \(dtype.rawValue)")
      }
      if let shardSize, to != .hf || Self.byteCount(shardSize) == nil {
        throw ValidationError(
          to != .hf
            ? "--shard-size applies to --to hf"
            : "--shard-size \(shardSize) is not a size (5GB, 500MB, 2GiB, bytes)")
      }
    }

    func run() throws {
      if to == .hf { return try runHuggingFace() }
      let plan = try ConversionPlan(
        folder: folder, options: .init(type: dtype, skipUnknown: skipUnknown))
      for warning in plan.warnings { Terminal.printError("warning: \(warning)") }
      if destination.dryRun {
        if destination.json {
          try JSONOutput.print(
            ConvertDocument(plan: plan, output: destination.output, written: nil, seconds: nil))
          return
        }
        print(
          "\(destination.output ?? "OUT"): would be written from \(folder): \(plan.architecture.ggufName),"
            + " \(plan.type.rawValue), \(grouped(plan.tensors.count)) tensors"
            + " (\(grouped(plan.tensorByteCount)) bytes), \(grouped(plan.metadata.count)) metadata"
            + " entries")
        for tensor in plan.tensors { print("  " + tensor.planLine) }
        if !plan.skipped.isEmpty { print("skipped: " + plan.skipped.joined(separator: ", ")) }
        return
      }
      guard let output = destination.output else { return }
      let progress = Progress(label: "converting", quiet: quiet || destination.json)
      let started = Self.now()
      let written = try plan.write(to: output) { done, total in progress.update(done, of: total) }
      progress.finish()
      let seconds = Self.now() - started
      if destination.json {
        try JSONOutput.print(
          ConvertDocument(plan: plan, output: output, written: written, seconds: seconds))
        return
      }
      let copied = plan.tensors.filter(\.isCopy).count
      print(
        "\(output): \(grouped(written.byteCount)) bytes, \(grouped(plan.tensors.count)) tensors"
          + " (\(grouped(copied)) copied, \(grouped(plan.tensors.count - copied)) converted or"
          + " rearranged), \(plan.architecture.ggufName) \(plan.type.rawValue)"
          + (plan.skipped.isEmpty ? "" : "; skipped: " + plan.skipped.joined(separator: ", ")))
    }

    static func now() -> Double {
      var time = timespec()
      clock_gettime(CLOCK_MONOTONIC, &time)
      return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
  }
}

extension ConversionPlan.TargetType: ExpressibleByArgument {}
