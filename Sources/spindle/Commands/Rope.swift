import ArgumentParser
import Deployment
import Formats
import Patching
import Rendering

extension Spindle {
  struct Rope: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "rope",
      abstract: "Show a model's effective RoPE: settings, per-pair table, attention factor.",
      discussion: """
        PATH is a Hugging Face folder, a config.json, a GGUF file, or a safetensors file with a \
        stamped __metadata__. The table lists each rotary pair i: wavelength in tokens, how often \
        it fits in the original context (L/λ), the ramp (0 kept … 1 interpolated), the class, θ_i, \
        the scaled inverse frequency and θ_i/inv_freq. The scaling options preview a scaling as \
        `stamp` would write it, without writing anything. --csv prints exact numbers; --plot \
        writes an SVG of inverse frequency per pair (log scale). Tables baked by `spindle tables` \
        are recomputed from their spindle.rope record and compared with the file; a mismatch is \
        printed as an error and exits 1.

        --runtimes reads a Hugging Face config (a folder or a config.json) as each runtime does \
        at the versions it lists (transformers 4.45–5, vLLM 0.5–0.34, llama.cpp after \
        convert_hf_to_gguf): the type, factor, original context, correction range, attention \
        factor and default context it applies, the keys it reads and ignores, and every way it \
        differs from what the config intends, with the cause and the fix. The what-if options \
        apply. --runtime ID narrows it to some runtimes.

        Exit status: 0 shown, 1 unreadable or invalid model, 64 bad options.
        """)

    @OptionGroup var input: InputOptions

    @OptionGroup(title: "What-if scaling (preview without stamping)")
    var scaling: ScalingOptions

    @Option(help: "The attention head size, when the model does not say it (safetensors).")
    var headDim: Int?

    @Option(help: "The RoPE base θ, when the model does not say it (default 10000).")
    var ropeTheta: Double?

    @Option(help: "Evaluate dynamic types (and LongRoPE's factor choice) at this length.")
    var sequenceLength: Int?

    @Flag(help: "Print one JSON document instead of text.")
    var json = false

    @Flag(help: "Print CSV: a header row and one row per pair, exact numbers.")
    var csv = false

    @Option(help: ArgumentHelp("Also write an SVG plot here.", valueName: "file.svg"))
    var plot: String?

    @Flag(help: "Show what each runtime applies for this scaling, and why any differs.")
    var runtimes = false

    @Option(
      name: .customLong("runtime"),
      help: ArgumentHelp(
        "With --runtimes: only this runtime (repeatable): \(Runtime.catalog.map(\.id).joined(separator: ", ")).",
        valueName: "id"))
    var runtimeIDs: [String] = []

    func validate() throws {
      if json && csv { throw ValidationError("--json and --csv are two formats; give one") }
      if !runtimeIDs.isEmpty && !runtimes {
        throw ValidationError("--runtime narrows --runtimes; add --runtimes")
      }
      if runtimes && (csv || plot != nil) {
        throw ValidationError("--runtimes prints its own report; drop --csv and --plot")
      }
      if let unknown = runtimeIDs.first(where: { Runtime.named($0) == nil }) {
        throw ValidationError(
          "no runtime '\(unknown)'; the runtimes are \(Runtime.catalog.map(\.id).joined(separator: ", "))"
        )
      }
      if let sequenceLength, sequenceLength <= 0 {
        throw ValidationError("--sequence-length must be positive, not \(sequenceLength)")
      }
      if let plot {
        guard plot.hasSuffix(".svg"), plot.count > 4 else {
          throw ValidationError("--plot writes SVG; name a file ending in .svg, not '\(plot)'")
        }
        if plot == input.path { throw ValidationError("--plot names the input") }
      }
      if let headDim, headDim <= 0 || !headDim.isMultiple(of: 2) {
        throw ValidationError("--head-dim must be even and positive, not \(headDim)")
      }
      if let ropeTheta, !(ropeTheta.isFinite && ropeTheta > 1) {
        throw ValidationError("--rope-theta must be a number above 1, not \(ropeTheta)")
      }
      if !scaling.isEmpty {
        if scaling.yarn == nil && scaling.rope == nil && scaling.fromConfig == nil {
          throw ValidationError(
            "the what-if options describe a scaling to preview: add --yarn FACTOR, --rope"
              + " TYPE --factor FACTOR, or --from-config CONFIG")
        }
        _ = try scaling.request()
      }
    }

    func run() throws {
      if runtimes { return try runRuntimes() }
      var source = try RoPESource(path: input.path)
      if let headDim { source.settings.headDimension = headDim }
      if let ropeTheta { source.settings.base = ropeTheta }
      let preview =
        try scaling.isEmpty
        ? nil
        : source.settings.previewing(
          try scaling.request(), path: source.settingsPath, contextKey: source.contextKey)
      var document = try RoPEReportDocument(
        source: source, preview: preview, sequenceLength: sequenceLength)
      let tables = BakedRoPECheck(path: input.path)
      document.tables = tables.summary
      for warning in document.warnings { Terminal.printError("warning: \(warning)") }
      if let plot {
        let writer = try AtomicFileWriter(destination: plot)
        try writer.write(document.svg)
        try writer.commit()
      }
      if json {
        var output = RopeDocument(document)
        output.ropeTableProblems = tables.problems.map(ProblemDocument.init)
        try JSONOutput.print(output)
      } else if csv {
        print(document.csv, terminator: "")
      } else {
        print(text(document))
        if let preview,
          let memory = LlamaCppMemory.contextChange(
            modelAt: input.path, from: source.settings.contextLength, to: preview.contextLength)
        {
          Terminal.printFitted(memory)
        }
        if let plot { print("plot: \(plot)") }
      }
      for problem in tables.problems { Terminal.printError("error: \(problem.description)") }
      if !tables.problems.isEmpty { throw ExitCode.failure }
    }

    private func text(_ document: RoPEReportDocument) -> String {
      let fields = document.summaryFields
      let width = fields.map(\.label.count).max() ?? 0
      var lines = fields.map { field in
        field.label + ":" + String(repeating: " ", count: width - field.label.count + 1)
          + field.value
      }
      let columns = Terminal.outputColumns
      lines = [wrapped(lines.joined(separator: "\n"), width: columns) { _ in width + 2 }]
      lines.append("pairs:")
      lines.append(
        table(
          [RoPEReportDocument.tableHeader] + document.tableRows,
          rightAligned: [0, 1, 2, 3, 5, 6, 7], width: columns, flexible: 4, minimum: 8))
      return lines.joined(separator: "\n")
    }
  }
}
