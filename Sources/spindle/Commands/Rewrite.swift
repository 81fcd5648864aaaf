import ArgumentParser
import Formats

extension Spindle {
  struct Rewrite: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write a checkpoint again through Spindle's writer, with room for in-place edits.",
      discussion: """
        GGUF stays GGUF (version 3, same alignment, byte order and key order; a split set is \
        merged into one file); safetensors gets the reference byte layout. Tensor bytes are \
        copied, never decoded. An output ending in .zst is compressed with zstd. The output \
        appears only when complete (temporary file, fsync, rename).
        """)

    @OptionGroup var input: InputOptions

    @Option(name: [.short, .customLong("output")], help: "Where to write the copy.")
    var output: String

    @Option(help: "Bytes of header room to reserve for later in-place metadata edits.")
    var reserve = 16_384

    func validate() throws {
      if reserve < 0 { throw ValidationError("--reserve must be ≥ 0, not \(reserve)") }
      if output == input.path {
        throw ValidationError("the output would replace the input; choose another path")
      }
    }

    func run() throws {
      let checkpoint = try Checkpoint.open(input.path)
      let result = try checkpoint.rewrite(to: output, reserve: reserve)
      print(
        "\(result.path): \(grouped(result.byteCount)) bytes, \(grouped(checkpoint.tensors.count)) tensors, \(grouped(result.headerRoom)) bytes of header room"
      )
    }
  }
}
