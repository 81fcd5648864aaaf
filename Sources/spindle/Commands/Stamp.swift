import ArgumentParser
import Deployment
import Formats
import Patching

extension Spindle {
  struct Stamp: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Stamp a RoPE scaling (YaRN, linear, dynamic NTK, llama3, LongRoPE) into a model.",
      discussion: """
        Targets: a Hugging Face folder (config.json is rewritten; key order and formatting are \
        kept), a safetensors file (__metadata__ keys rope_scaling and max_position_embeddings), or \
        a GGUF file ({arch}.context_length and the rope.scaling.* keys, as llama.cpp reads them). \
        The original context defaults to the model's; the new context to original × factor. \
        --dry-run prints the exact change; warnings go to stderr. Refuses to overwrite a different \
        existing scaling without --replace; --force turns validation errors into warnings. \
        --tables also bakes the scaling into the checkpoint as a table (GGUF: rope_freqs.weight \
        frequency factors with no runtime scaling type and the attention factor in \
        rope.scaling.attn_factor; Hugging Face folder: model.rotary_emb.inv_freq, which \
        transformers ignores, next to the unchanged rope_scaling), with a spindle.rope provenance \
        record; --bake-attention folds the attention factor into the Q/K weights so no runtime has \
        to apply it. LongRoPE (--rope longrope --long-factors LIST --short-factors LIST, with \
        --context or --factor) goes into config.json's long_factor and short_factor, or a GGUF's \
        rope_factors_long/rope_factors_short tensors and rope.scaling.attn_factor, as \
        convert_hf_to_gguf.py writes them (architectures whose llama.cpp graph reads them only). \
        --from-config CONFIG stamps the scaling and context lengths a Hugging Face config \
        declares.

        Exit status: 0 done, 1 refused or failed (nothing written), 64 bad options.
        """)

    @OptionGroup var input: InputOptions

    @OptionGroup var scaling: ScalingOptions

    @Flag(help: "Overwrite a different scaling the model already has.")
    var replace = false

    @Flag(help: "Proceed past validation errors, printing them as warnings.")
    var force = false

    @Flag(help: "Bake the scaling into the checkpoint as a frequency table (see above).")
    var tables = false

    @Flag(
      help:
        "With --tables: fold the attention factor into the Q/K weights (portable to runtimes that read attention_factor; see rope --runtimes)."
    )
    var bakeAttention = false

    @OptionGroup var destination: OutputOptions

    var request: StampRequest {
      get throws {
        var request = try scaling.request(replace: replace, force: force)
        request.tables = tables
        request.bakeAttention = bakeAttention
        do { try request.validate() } catch { throw ValidationError(error.message) }
        return request
      }
    }

    func validate() throws {
      _ = try request
      try destination.validate(input: input.path)
    }

    func run() throws {
      let plan = try StampPlan(path: input.path, request: try request)
      try Self.carryOut(plan, path: input.path, destination: destination, command: "stamp")
    }

    /// Prints warnings, then the diff (`--dry-run`) or writes the plan and says what changed
    /// and how it was written; `-o` always gets its output, an identical copy when nothing
    /// changes.
    static func carryOut(
      _ plan: StampPlan, path: String, destination: OutputOptions, command: String
    ) throws {
      for warning in plan.warnings { Terminal.printError("warning: \(warning)") }
      let changes = changeLines(plan)
      if plan.isEmpty {
        try nothingToChange(
          "\(path): already has \(plan.after.summary)\(plan.baked == nil ? "" : " as tables")",
          path: path, destination: destination, command: command, warnings: plan.warnings)
        return
      }
      if destination.dryRun {
        let memory = LlamaCppMemory.contextChange(
          modelAt: path, from: plan.before.contextLength, to: plan.after.contextLength)
        if destination.json {
          try JSONOutput.print(
            EditDocument(
              command: command, path: path, action: .dryRun, changes: changes,
              warnings: plan.warnings))
        } else {
          print(fittedDiff(plan.diff, width: Terminal.outputColumns), terminator: "")
          if let memory { Terminal.printFitted(memory) }
        }
        return
      }
      let memory = LlamaCppMemory.contextChange(
        modelAt: path, from: plan.before.contextLength, to: plan.after.contextLength)
      let result = try plan.execute(destination.output.map(StampPlan.Output.path) ?? .inPlace)
      if destination.json {
        try JSONOutput.print(
          EditDocument(
            command: command, path: path, result: result, changes: changes,
            warnings: plan.warnings))
        return
      }
      let tensors = plan.allTensorChanges.count
      Terminal.printFitted(
        "\(result.path): \(plan.before.summary) → \(plan.after.summary)"
          + "\(plan.baked == nil ? "" : " (baked as tables)"), \(plan.changes.count)"
          + " key\(plan.changes.count == 1 ? "" : "s")"
          + (tensors == 0 ? "" : " and \(tensors) tensor\(tensors == 1 ? "" : "s")") + " changed")
      if result.inPlace { Terminal.printFitted(result.text) }
      if let memory { Terminal.printFitted(memory) }
    }

    /// Says `sentence`; nothing to change, and, with `-o OUT`, writes an identical copy of the
    /// input there so the output always exists.
    static func nothingToChange(
      _ sentence: String, path: String, destination: OutputOptions, command: String,
      warnings: [String] = []
    ) throws {
      guard let output = destination.output, !destination.dryRun else {
        if destination.json {
          try JSONOutput.print(
            EditDocument(
              command: command, path: path, action: destination.dryRun ? .dryRun : .unchanged,
              changes: [], warnings: warnings))
        } else {
          Terminal.printFitted("\(sentence); nothing to change")
        }
        return
      }
      let result = try StampPlan.writeIdenticalCopy(of: path, to: output)
      if destination.json {
        try JSONOutput.print(
          EditDocument(
            command: command, path: path, result: result, changes: [], warnings: warnings))
      } else {
        Terminal.printFitted("\(sentence); \(result.text)")
      }
    }

    /// A `--dry-run` diff fitted to `width` (`nil`: unchanged): the paths of `---`/`+++`
    /// headers lose their start (`--- …/tiny-llama.gguf (stamped)`); other long lines continue
    /// under their value (after `key: `).
    static func fittedDiff(_ diff: String, width: Int?) -> String {
      guard let width else { return diff }
      let suffixes = [" __metadata__ (stamped)", " (stamped)", " __metadata__", ""]
      let lines = diff.split(separator: "\n", omittingEmptySubsequences: false).map { line in
        guard line.count > width, line.hasPrefix("--- ") || line.hasPrefix("+++ ") else {
          return String(line)
        }
        let rest = line.dropFirst(4)
        let suffix = suffixes.first { rest.hasSuffix($0) } ?? ""
        let path = String(rest.dropLast(suffix.count))
        let room = max(12, width - 4 - suffix.count)
        return line.prefix(4) + elided(path, to: room, in: .start) + suffix
      }
      return wrapped(lines.joined(separator: "\n"), width: width) { line in
        guard let colon = line.firstRange(of: ": ") else { return 2 }
        return line.distance(from: line.startIndex, to: colon.upperBound)
      }
    }

    /// One line per changed key (`key: before → after`, `absent` for none) and tensor.
    static func changeLines(_ plan: StampPlan) -> [String] {
      plan.changes.map { "\($0.key): \($0.before ?? "absent") → \($0.after ?? "absent")" }
        + plan.allTensorChanges.map(\.summary)
    }
  }
}
