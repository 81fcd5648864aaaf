import Formats
import Inference
import Models
import Patching

/// A step of a verification, for progress displays: `step` of `stepCount`, and what runs.
public struct VerificationProgress: Sendable, Equatable {
  public var step: Int
  public var stepCount: Int
  public var label: String
}

/// `spindle verify` as a library call: structure, equivalence, drift and long-context checks
/// of a patched checkpoint, optionally against the original it was made from.
///
/// ```swift
/// var options = VerificationOptions(against: "original.gguf")
/// options.probeLength = 64
/// let report = Verifier(path: "patched.gguf", options: options).run()
/// if !report.passed { print(report.failures.map(\.message)) }
/// ```
///
/// The structure checks read headers, compare tensor bytes with the original and scan
/// floating-point values (O(file), bounded memory); the numeric checks run the CPU forward
/// pass (`ModelCheckpoint`) on every model `Models` describes.
public struct Verifier: Sendable {
  /// The patched checkpoint.
  public var path: String
  public var options: VerificationOptions

  public init(path: String, options: VerificationOptions = VerificationOptions()) {
    self.path = path
    self.options = options
  }

  /// Runs every check; `progress` hears of each step before it starts.
  public func run(progress: (VerificationProgress) -> Void = { _ in }) -> VerificationReport {
    let stepCount = options.structureOnly ? 2 : options.against == nil ? 5 : 6
    var step = 0
    func report(_ label: String) {
      step += 1
      progress(VerificationProgress(step: step, stepCount: stepCount, label: label))
    }
    report("reading headers and tables")
    let patched = OpenedCheckpoint(path: path)
    let original = options.against.map { OpenedCheckpoint(path: $0) }
    if let original, let mine = patched.checkpoint, let theirs = original.checkpoint {
      let differences = Self.modelDifferences(mine, theirs)
      if !differences.isEmpty {
        return differentModelsReport(patched, original, differences: differences)
      }
    }
    var checks = [
      fileCheck(patched, original: original), tablesCheck(patched),
      scalingCheck(patched, original: original),
    ]
    report("comparing tensors and scanning values")
    checks.append(changesCheck(patched, original: original))
    checks.append(valuesCheck(patched))
    checks.append(runtimesCheck(patched))
    if !options.structureOnly {
      let numerics = NumericChecks(verifier: self, patched: patched, original: original)
      report("equivalence: runtime scaling vs baked tables")
      checks.append(numerics.equivalence())
      report("drift: next-token distributions vs the original")
      checks.append(numerics.drift())
      checks.append(
        numerics.longContext { label in
          report(label)
        })
    }
    var settings = options.json
    settings["spindle_version"] = .string(SpindleVersion.current)
    return VerificationReport(
      path: path, against: options.against, checks: checks, settings: settings)
  }
}

/// A checkpoint opened for the structure checks: its headers, its declared rotary settings,
/// its baked tables, each with the error that kept it from opening.
struct OpenedCheckpoint: Sendable {
  var path: String
  var checkpoint: Checkpoint?
  var openError: FormatError?
  /// The settings as `rope` reads them (a baked record applied), strictly.
  var source: RoPESource?
  var sourceError: PatchError?
  /// The settings read with `force` (problems become warnings), when the strict read failed.
  var lenientSettings: RoPESettings?
  var tables: BakedRoPECheck?

  init(path: String) {
    self.path = path
    switch Result(catching: { () throws(FormatError) in try Checkpoint.open(path) }) {
    case .success(let opened): checkpoint = opened
    case .failure(let error): openError = error
    }
    guard let checkpoint else { return }
    switch Result(catching: { () throws(PatchError) in try RoPESource(path: path) }) {
    case .success(let found): source = found
    case .failure(let error):
      sourceError = error
      lenientSettings = Self.lenientSettings(checkpoint)
    }
    tables = BakedRoPECheck(path: path)
  }

  /// The settings, strict or lenient.
  var settings: RoPESettings? { source?.settings ?? lenientSettings }

  /// The baked record, if the file has one.
  var record: BakedRoPE? { source?.baked ?? tables?.record }

  static func lenientSettings(_ checkpoint: Checkpoint) -> RoPESettings? {
    switch checkpoint.source {
    case .gguf(let files):
      guard let file = files.first else { return nil }
      return try? RoPESettings(gguf: file, force: true)
    case .huggingFace(let folder):
      return try? RoPESettings(
        huggingFace: folder.config.json, path: folder.config.path, force: true)
    default:
      return nil
    }
  }
}
