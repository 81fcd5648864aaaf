import ArgumentParser
import Formats
import Patching

extension Spindle {
  struct Tables: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Bake the RoPE scaling a model declares into it as a frequency table.",
      usage: "spindle tables [<options>] <path>",
      discussion: """
        The same as `spindle stamp` with the model's own scaling and --tables: a GGUF gets \
        rope_freqs.weight (θ_i / inv_freq_i, F32, one per rotary pair), rope.scaling.type none and \
        the attention factor as rope.scaling.attn_factor; a Hugging Face folder gets \
        model.rotary_emb.inv_freq (transformers ignores that name and keeps computing from \
        config.json). Both carry a spindle.rope record (scaling, geometry, Spindle version, CRC-32 \
        of the table) that `spindle rope` and `spindle validate` check. --remove turns baked \
        tables back into scaling keys. LongRoPE's factor tensors (GGUF) and lists (config.json) \
        are its tables already: nothing is added.

        Exit status: 0 done, 1 refused or failed (nothing written), 64 bad options.
        """)

    @OptionGroup var input: InputOptions

    @Flag(help: "Fold the attention factor into the Q/K weights (portable mode).")
    var bakeAttention = false

    @Flag(help: "Remove baked tables, declaring the scaling as keys again.")
    var remove = false

    @OptionGroup var destination: OutputOptions

    func validate() throws {
      if remove && bakeAttention {
        throw ValidationError("--remove and --bake-attention contradict each other; give one")
      }
      try destination.validate(input: input.path)
    }

    func run() throws {
      let source = try RoPESource(path: input.path)
      var request = try StampRequest(restamping: source.settings, path: source.settingsPath)
      request.tables = !remove
      request.bakeAttention = bakeAttention
      if remove && source.baked == nil {
        try Stamp.nothingToChange(
          "\(input.path): no baked tables", path: input.path, destination: destination,
          command: "tables")
        return
      }
      let plan = try StampPlan(path: input.path, request: request)
      try Stamp.carryOut(plan, path: input.path, destination: destination, command: "tables")
    }
  }
}
