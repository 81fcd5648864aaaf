import ArgumentParser
import Formats
import Patching
import Verification

extension Spindle {
  struct Rewrite: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write a checkpoint again through Spindle's writer, with room for in-place edits.",
      usage: "spindle rewrite [<options>] <path>",
      discussion: """
        GGUF stays GGUF (version 3, same alignment, byte order and key order; a split set is \
        merged into one file); safetensors gets the reference byte layout. Tensor bytes are \
        copied, never decoded, unless --dtype f32 asks for every F16, BF16 and quantized tensor \
        to be dequantized to F32 (as llama-quantize --allow-requantize IN OUT F32 does; GGUF \
        general.file_type becomes 0). An output ending in .zst is compressed with zstd. The \
        output appears only when complete (temporary file, fsync, rename); --in-place \
        replaces a single file that way, --dry-run says what would be written.
        """)

    /// Element types a rewrite can convert to.
    enum TargetType: String, ExpressibleByArgument, CaseIterable {
      case f32
    }

    @OptionGroup var input: InputOptions

    @Option(help: "Bytes of header room to reserve for later in-place metadata edits.")
    var reserve = 16_384

    @Option(help: "Dequantize every F16, BF16 and quantized tensor to this type (f32).")
    var dtype: TargetType?

    @OptionGroup var destination: OutputOptions

    func validate() throws {
      if reserve < 0 { throw ValidationError("--reserve must be ≥ 0, not \(reserve)") }
      try destination.validate(input: input.path)
    }

    func run() throws {
      let checkpoint = try Checkpoint.open(input.path)
      if destination.inPlace && checkpoint.files.count > 1 {
        throw CommandFailure(
          "\(input.path): --in-place replaces one file, and this is a set of"
            + " \(checkpoint.files.count); write the merged copy with -o OUT")
      }
      let output = destination.output ?? input.path
      if destination.dryRun {
        if destination.json {
          var document = EditDocument(
            command: "rewrite", path: input.path, action: .dryRun, changes: [])
          document.output = destination.output ?? (destination.inPlace ? input.path : nil)
          document.inPlace = destination.inPlace
          document.headerRoom = reserve
          try JSONOutput.print(document)
          return
        }
        Terminal.printFitted(
          "\(destination.output ?? (destination.inPlace ? input.path + " (in place)" : "OUT"))"
            + ": would be written from"
            + " \(input.path): \(checkpoint.layout.rawValue), \(grouped(checkpoint.tensors.count))"
            + " tensors\(dtype == .f32 ? " as F32" : ""), \(grouped(reserve)) bytes of header room"
            + " reserved")
        return
      }
      let result =
        dtype == .f32
        ? try checkpoint.rewriteDequantized(to: output, reserve: reserve)
        : try checkpoint.rewrite(to: output, reserve: reserve)
      if destination.json {
        let written = EditResult(
          path: result.path, action: .rewritten, inPlace: destination.inPlace,
          reason: destination.inPlace ? "rewrite replaces the file whole" : nil,
          bytesBefore: checkpoint.fileByteCount, bytesAfter: result.byteCount,
          headerRoom: result.headerRoom)
        try JSONOutput.print(
          EditDocument(
            command: "rewrite", path: input.path, result: written,
            changes: dtype == .f32
              ? ["every F16, BF16 and quantized tensor dequantized to F32"] : []))
        return
      }
      Terminal.printFitted(
        "\(result.path): \(grouped(result.byteCount)) bytes, \(grouped(checkpoint.tensors.count)) tensors, \(grouped(result.headerRoom)) bytes of header room"
      )
    }
  }
}
