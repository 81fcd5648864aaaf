import ArgumentParser
import Conversion

extension Spindle.Convert {
  /// The direction of a conversion.
  enum Target: String, ExpressibleByArgument, CaseIterable {
    /// A GGUF file (from a Hugging Face folder).
    case gguf
    /// A Hugging Face folder (from a GGUF file).
    case hf
  }

  /// The export's element type, from `--dtype` (f32, f16 or bf16).
  var exportType: HuggingFaceExport.TargetType? {
    quant == nil ? HuggingFaceExport.TargetType(rawValue: (dtype ?? .f16).rawValue) : nil
  }

  /// `convert MODEL.gguf --to hf -o DIR`.
  func runHuggingFace() throws {
    guard let type = exportType else { return }
    let export = try HuggingFaceExport(
      gguf: folder,
      options: .init(
        type: type, shardSize: shardSize?.byteCount ?? 5_000_000_000,
        skipUnknown: skipUnknown))
    for warning in export.warnings { Terminal.printError("warning: \(warning)") }
    if destination.dryRun {
      if destination.json {
        try JSONOutput.print(
          ExportDocument(export: export, output: destination.output, written: nil, seconds: nil))
        return
      }
      print(
        "\(destination.output ?? "OUT"): would be written from \(folder): "
          + "\(export.architecture.huggingFaceArchitectures.first ?? export.architecture.ggufName),"
          + " \(type.rawValue), \(grouped(export.tensors.count)) tensors"
          + " (\(grouped(export.tensorByteCount)) bytes) in \(export.shardNames.joined(separator: ", "))"
      )
      for tensor in export.tensors { print("  " + tensor.planLine) }
      if !export.skipped.isEmpty { print("skipped: " + export.skipped.joined(separator: ", ")) }
      return
    }
    guard let output = destination.output else { return }
    let progress = Progress(label: "converting", quiet: quiet || destination.json)
    let started = Self.now()
    let written = try export.write(to: output) { done, total in progress.update(done, of: total) }
    progress.finish()
    let seconds = Self.now() - started
    if destination.json {
      try JSONOutput.print(
        ExportDocument(export: export, output: output, written: written, seconds: seconds))
      return
    }
    print(
      "\(written.path): \(grouped(written.byteCount)) bytes, \(grouped(export.tensors.count)) tensors"
        + " in \(export.shards.count) shard\(export.shards.count == 1 ? "" : "s"),"
        + " \(export.architecture.huggingFaceArchitectures.first ?? export.architecture.ggufName)"
        + " \(type.rawValue); files: \(written.files.joined(separator: ", "))"
        + (export.skipped.isEmpty ? "" : "; skipped: " + export.skipped.joined(separator: ", ")))
  }
}

extension String {
  fileprivate var trimmingSpaces: String {
    String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
  }
}
