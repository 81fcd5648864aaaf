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
  /// (`-o`) or edits the file (`--in-place`) and says what was written and how (header only
  /// with an undo, or a full rewrite without one); `--json` prints that as an ``EditDocument``.
  func carryOut(_ edits: [MetadataEdit], on path: String) throws {
    let plan = try HeaderPlan(path: path, edits: edits, reserve: reserve)
    let json = destination.json
    if destination.dryRun {
      if json {
        try JSONOutput.print(
          EditDocument(
            command: "meta", path: path, action: .dryRun, changes: Self.changeLines(plan)))
      } else {
        // The change lines continue under their change, the others under their start.
        print(
          wrapped(plan.description, width: Terminal.outputColumns) {
            $0.hasPrefix("  ") ? 4 : 2
          })
      }
      return
    }
    let progress = Progress(label: "writing", quiet: quiet || json)
    defer { progress.finish() }
    let result: EditResult
    if let output = destination.output {
      let written = try Self.writeCopy(plan, to: output) { progress.update($0, of: $1) }
      result = EditResult(
        path: output, action: .rewritten, inPlace: false,
        bytesBefore: plan.oldHeader.count + plan.dataRange.count, bytesAfter: written,
        headerRoom: plan.roomAfter)
    } else {
      result = EditResult(plan, try PatchEngine.execute(plan) { progress.update($0, of: $1) })
    }
    progress.finish()
    if json {
      try JSONOutput.print(
        EditDocument(
          command: "meta", path: path, result: result, changes: Self.changeLines(plan)))
      return
    }
    for change in plan.changes { Terminal.printFitted("  " + change, hangingIndent: 4) }
    if result.inPlace {
      Terminal.printFitted(result.text)
    } else {
      Terminal.printFitted(
        "\(result.path): edited copy of \(path), \(grouped(result.bytesAfter ?? 0)) bytes,"
          + " \(grouped(plan.roomAfter)) bytes of header room; \(path) untouched")
    }
  }

  /// The plan's change lines without the padding that aligns them in the text output.
  static func changeLines(_ plan: HeaderPlan) -> [String] {
    plan.changes.map { line in
      guard let space = line.firstIndex(of: " ") else { return line }
      return line[..<space] + " " + line[space...].drop { $0 == " " }
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
