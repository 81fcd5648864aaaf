import ArgumentParser
import Formats
import Verification

extension Spindle {
  struct Rewrite: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write a checkpoint again through Spindle's writer, with room for in-place edits.",
      discussion: """
        GGUF stays GGUF (version 3, same alignment, byte order and key order; a split set is \
        merged into one file); safetensors gets the reference byte layout. Tensor bytes are \
        copied, never decoded, unless --dtype f32 asks for every F16, BF16 and quantized tensor \
        to be dequantized to F32 (as llama-quantize --allow-requantize IN OUT F32 does; GGUF \
        general.file_type becomes 0). An output ending in .zst is compressed with zstd. The \
        output appears only when complete (temporary file, fsync, rename).
        """)

    /// Element types a rewrite can convert to.
    enum TargetType: String, ExpressibleByArgument, CaseIterable {
      case f32
    }

    @OptionGroup var input: InputOptions

    @Option(name: [.short, .customLong("output")], help: "Where to write the copy.")
    var output: String

    @Option(help: "Bytes of header room to reserve for later in-place metadata edits.")
    var reserve = 16_384

    @Option(help: "Dequantize every F16, BF16 and quantized tensor to this type (f32).")
    var dtype: TargetType?

    func validate() throws {
      if reserve < 0 { throw ValidationError("--reserve must be ≥ 0, not \(reserve)") }
      if output == input.path {
        throw ValidationError("the output would replace the input; choose another path")
      }
    }

    func run() throws {
      let checkpoint = try Checkpoint.open(input.path)
      let result =
        dtype == .f32
        ? try checkpoint.rewriteDequantized(to: output, reserve: reserve)
        : try checkpoint.rewrite(to: output, reserve: reserve)
      print(
        "\(result.path): \(grouped(result.byteCount)) bytes, \(grouped(checkpoint.tensors.count)) tensors, \(grouped(result.headerRoom)) bytes of header room"
      )
    }
  }
}
