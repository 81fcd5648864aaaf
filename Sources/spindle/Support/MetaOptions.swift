import ArgumentParser
import Formats
import Patching

/// What every `meta` action shares: the output group, the room a rewrite reserves, and how
/// a plan is carried out.
struct MetaOptions: ParsableArguments {
  @OptionGroup var destination: OutputOptions

  @Option(help: "Bytes of header room a rewrite reserves for later in-place edits.")
  var reserve = 16_384

  @Flag(help: "No progress bar.")
  var quiet = false

  func validate(input: String) throws {
    if reserve < 0 { throw ValidationError("--reserve must be ≥ 0, not \(reserve)") }
    try destination.validate(input: input)
  }

  /// Plans `edits` on `path`, then prints the plan (`--dry-run`), writes an edited copy
  /// (`-o`) or edits the file (`--in-place`) and says what was written.
  func carryOut(_ edits: [MetadataEdit], on path: String) throws {
    let plan = try HeaderPlan(path: path, edits: edits, reserve: reserve)
    if destination.dryRun {
      print(plan.description)
      return
    }
    let progress = Progress(label: "writing", quiet: quiet)
    defer { progress.finish() }
    if let output = destination.output {
      let written = try Self.writeCopy(plan, to: output) { progress.update($0, of: $1) }
      progress.finish()
      for change in plan.changes { print("  " + change) }
      print(
        "\(output): edited copy of \(path), \(grouped(written)) bytes,"
          + " \(grouped(plan.roomAfter)) bytes of header room; \(path) untouched")
      return
    }
    let outcome = try PatchEngine.execute(plan) { progress.update($0, of: $1) }
    progress.finish()
    for change in plan.changes { print("  " + change) }
    if outcome.inPlace {
      print(
        "\(path): in place, \(grouped(outcome.bytesWritten)) header bytes written, data"
          + " untouched, \(grouped(plan.roomAfter)) bytes of room left"
          + " (undo: spindle restore \(path))")
    } else if case .rewrite(let reason) = plan.strategy {
      print(
        "\(path): rewritten (\(reason)), \(grouped(outcome.bytesWritten)) bytes,"
          + " \(grouped(plan.roomAfter)) bytes of room reserved")
    }
  }

  /// Writes the plan's new header and the input's data section to `output` (temporary file,
  /// fsync, rename), then reads the copy back; returns the bytes written.
  static func writeCopy(
    _ plan: HeaderPlan, to output: String, progress: (Int, Int) -> Void
  ) throws(FormatError) -> Int {
    let writer = try AtomicFileWriter(destination: output)
    do throws(FormatError) {
      try writer.requireSpace(plan.newFileSize)
      try writer.write(plan.newHeader)
      let chunk = 64 << 20
      var start = plan.dataRange.lowerBound
      while start < plan.dataRange.upperBound {
        let end = min(start + chunk, plan.dataRange.upperBound)
        try writer.copy(from: plan.file, range: start..<end)
        start = end
        progress(writer.position, plan.newFileSize)
      }
      try writer.flush()
      try writer.commit()
    } catch {
      writer.abort()
      throw error
    }
    _ = try Checkpoint.open(output)
    return plan.newFileSize
  }
}
