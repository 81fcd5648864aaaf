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

  /// `--shard-size`: bytes, with an optional decimal or binary unit (`5GB`, `500MB`, `2GiB`).
  static func byteCount(_ text: String) -> Int? {
    let units: [(String, Int)] = [
      ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
      ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000),
      ("B", 1),
    ]
    let trimmed = text.trimmingSpaces
    for (unit, scale) in units where trimmed.uppercased().hasSuffix(unit.uppercased()) {
      guard let number = Double(String(trimmed.dropLast(unit.count)).trimmingSpaces), number > 0,
        number * Double(scale) < 9e18
      else { return nil }
      return Int(number * Double(scale))
    }
    return Int(trimmed).flatMap { $0 > 0 ? $0 : nil }
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
        type: type, shardSize: shardSize.flatMap(Self.byteCount) ?? 5_000_000_000,
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
