import Formats
import Foundation
import TestSupport
import Testing

/// Kills each writing command with SIGKILL at random moments (``RandomKill``, writes slowed
/// to 4 KiB pieces by `SPINDLE_FAULT=slow:…` so kills land mid-write) and checks that nothing
/// is lost: the input keeps its bytes, the output is absent or complete, an in-place edit is
/// the old or the new file (a torn header only with its journal, and `restore` gives the old
/// bytes back), and every temporary file left is one of Spindle's, reported by `validate`
/// and removed by the next run.
@Suite("Random SIGKILL", .serialized)
struct RandomKillTests {
  /// One command under test; `arguments(input, output)` builds its command line.
  struct Scenario: Sendable, CustomTestStringConvertible {
    var name: String
    /// The fixture to copy as the input (file or folder), relative to `fixtures/`.
    var fixture: String
    /// Commands preparing the input in the scratch folder from the fixture copy `in`.
    var preparation: [[String]] = []
    var inPlace: Bool
    /// The output is a folder (`out`), not a file.
    var folderOutput = false
    var arguments: @Sendable (_ input: String, _ output: String) -> [String]

    var testDescription: String { name }
  }

  static let longName = "general.name=" + String(repeating: "r", count: 400)

  static let scenarios: [Scenario] = [
    Scenario(
      name: "meta in place (header)", fixture: "gguf/tiny-llama.gguf",
      preparation: [["rewrite", "IN", "-o", "IN"]], inPlace: true
    ) { input, _ in ["meta", "set", input, "general.name=killed", "--in-place"] },
    Scenario(name: "meta in place (rewrite)", fixture: "gguf/tiny-llama.gguf", inPlace: true) {
      input, _ in ["meta", "set", input, longName, "--in-place"]
    },
    Scenario(name: "meta -o", fixture: "gguf/tiny-llama.gguf", inPlace: false) {
      input, output in ["meta", "set", input, longName, "-o", output]
    },
    Scenario(name: "stamp -o", fixture: "gguf/tiny-llama.gguf", inPlace: false) {
      input, output in ["stamp", input, "--yarn", "4", "-o", output]
    },
    Scenario(
      name: "stamp in place", fixture: "gguf/tiny-llama.gguf",
      preparation: [["rewrite", "IN", "-o", "IN"]], inPlace: true
    ) { input, _ in ["stamp", input, "--yarn", "4", "--in-place"] },
    Scenario(
      name: "tables -o", fixture: "gguf/tiny-llama.gguf",
      preparation: [["stamp", "IN", "--yarn", "4", "-o", "IN"]], inPlace: false
    ) { input, output in ["tables", input, "-o", output] },
    Scenario(name: "rewrite -o", fixture: "safetensors/dtypes.safetensors", inPlace: false) {
      input, output in ["rewrite", input, "-o", output]
    },
    Scenario(name: "convert HF → GGUF", fixture: "architectures/models/llama", inPlace: false) {
      input, output in ["convert", input, "-o", output, "--dtype", "f32"]
    },
    Scenario(
      name: "convert GGUF → HF folder", fixture: "gguf/tiny-llama.gguf", inPlace: false,
      folderOutput: true
    ) { input, output in ["convert", input, "--to", "hf", "-o", output] },
    Scenario(
      name: "stamp -o (HF folder)", fixture: "architectures/models/llama", inPlace: false,
      folderOutput: true
    ) { input, output in ["stamp", input, "--yarn", "4", "-o", output] },
  ]

  static let slow = ["SPINDLE_FAULT": "slow:1500"]

  /// Copies the fixture into `folder` and runs the preparation (`IN` is the input; a step
  /// writing `-o IN` replaces it through a side file).
  static func prepare(_ scenario: Scenario, in folder: String) throws -> String {
    let input = try Scratch.copy(scenario.fixture, into: folder)
    for step in scenario.preparation {
      let side = "\(folder)/prepared"
      let arguments = step.map { $0 == "IN" ? input : $0 }
      let last = arguments.lastIndex(of: input)!
      var command = arguments
      command[last] = side
      let result = try SpindleProcess.run(command)
      try #require(result.status == 0, "\(command): \(result.stderr)")
      try FileManager.default.removeItem(atPath: input)
      try FileManager.default.moveItem(atPath: side, toPath: input)
    }
    return input
  }

  /// Every file (or folder) under `path`, with its bytes: a folder's files by name.
  static func contents(_ path: String) throws -> [String: [UInt8]]? {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return nil }
    guard isFolder.boolValue else { return ["": try Scratch.bytes(path)] }
    var result: [String: [UInt8]] = [:]
    for name in try Scratch.list(path) { result[name] = try Scratch.bytes("\(path)/\(name)") }
    return result
  }

  @Test(arguments: scenarios)
  func killedAtRandom(scenario: Scenario) throws {
    var harness = RandomKill("random SIGKILL, \(scenario.name)", iterations: 4)
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let input = try Self.prepare(scenario, in: folder)
    let name = URL(fileURLWithPath: input).lastPathComponent
    let ext = name.hasSuffix(".safetensors") ? "safetensors" : "gguf"
    let output =
      scenario.inPlace ? input : scenario.folderOutput ? "\(folder)/out" : "\(folder)/out.\(ext)"
    let original = try #require(try Self.contents(input))

    // The reference: the same command run to the end on a copy, and how long it takes.
    let referenceFolder = try Scratch.folder()
    defer { Scratch.cleanUp(referenceFolder) }
    let referenceInput = "\(referenceFolder)/\(name)"
    try FileManager.default.copyItem(atPath: input, toPath: referenceInput)
    let referenceOutput =
      scenario.inPlace
      ? referenceInput
      : "\(referenceFolder)/" + URL(fileURLWithPath: output).lastPathComponent
    let seconds = try #require(
      try RandomKill.timed(
        scenario.arguments(referenceInput, referenceOutput), environment: Self.slow))
    let finished = try #require(try Self.contents(referenceOutput))

    var tally = (killed: 0, outputs: 0, journals: 0, leftovers: 0, replaced: 0)
    for iteration in 0..<harness.iterations {
      let delay = harness.delay(below: seconds * 1.1)
      let context = "seed \(harness.seed), iteration \(iteration), kill after \(delay) s"
      let ending = try RandomKill.run(
        scenario.arguments(input, output), environment: Self.slow, killAfter: delay)
      #expect(ending.killed || ending.status == 0, "\(context): \(ending)")
      if ending.killed { tally.killed += 1 }
      if FileManager.default.fileExists(atPath: input + ".spindle-journal") { tally.journals += 1 }
      if !scenario.inPlace, FileManager.default.fileExists(atPath: output) { tally.outputs += 1 }
      if scenario.inPlace, try Scratch.bytes(input) == finished[""] { tally.replaced += 1 }

      if scenario.inPlace {
        try checkInPlace(
          input, old: original[""]!, new: finished[""]!, context: context)
      } else {
        #expect(try Self.contents(input) == original, "\(context): the input changed")
        let written = try Self.contents(output)
        #expect(written == nil || written == finished, "\(context): incomplete output")
      }
      if try checkLeftovers(in: folder, of: output, context: context) { tally.leftovers += 1 }

      // Back to the start for the next kill.
      try? FileManager.default.removeItem(atPath: output)
      for leftover in try Scratch.list(folder) where leftover.hasSuffix(".spindle-undo") {
        try FileManager.default.removeItem(atPath: "\(folder)/\(leftover)")
      }
      if scenario.inPlace { try Scratch.write(original[""]!, to: input) }
    }
    print(
      "random SIGKILL, \(scenario.name): \(harness.iterations) runs, \(tally.killed) killed before"
        + " the end, \(tally.journals) left a journal, \(tally.leftovers) left a temporary file,"
        + (scenario.inPlace
          ? " \(tally.replaced) left the new file" : " \(tally.outputs) left a complete output")
        + "; 0 bytes lost unless an issue is recorded above")
  }

  /// The file is old or new, or torn with its journal; `restore` brings the old bytes back.
  func checkInPlace(_ path: String, old: [UInt8], new: [UInt8], context: String) throws {
    let bytes = try Scratch.bytes(path)
    let journal = FileManager.default.fileExists(atPath: path + ".spindle-journal")
    let undo = FileManager.default.fileExists(atPath: path + ".spindle-undo")
    if journal {
      #expect(bytes.count == old.count, "\(context)")
      #expect(
        bytes.indices.allSatisfy { bytes[$0] == old[$0] || bytes[$0] == new[$0] },
        "\(context): the torn header mixes other bytes")
    } else {
      #expect(bytes == old || bytes == new, "\(context): neither the old nor the new file")
    }
    if journal || (undo && bytes == new) {
      let restored = try SpindleProcess.run("restore", path)
      #expect(restored.status == 0, "\(context): \(restored.stderr)")
      #expect(try Scratch.bytes(path) == old, "\(context): restore did not give the old bytes")
    }
  }

  /// Anything beside the input and output is one of Spindle's temporary names (or the
  /// journal's), `validate` reports it, and the next run of a writer removes it.
  @discardableResult
  func checkLeftovers(in folder: String, of output: String, context: String) throws -> Bool {
    let name = URL(fileURLWithPath: output).lastPathComponent
    let leftovers = try Scratch.list(folder).filter {
      TemporaryName.parse($0) != nil || $0.hasSuffix(".spindle-journal.tmp")
    }
    let known = Set(leftovers).union(
      try Scratch.list(folder).filter { !$0.hasPrefix(".") || $0.hasSuffix(".spindle-undo") })
    #expect(Set(try Scratch.list(folder)).isSubset(of: known), "\(context): unknown files")
    guard !leftovers.isEmpty else { return false }
    for leftover in leftovers {
      #expect(
        TemporaryName.parse(leftover)?.target == name || leftover.hasSuffix(".spindle-journal.tmp"),
        "\(context): \(leftover) is not for \(name)")
    }
    let validate = try SpindleProcess.run("validate", output)
    for leftover in leftovers {
      #expect(
        validate.stdout.contains("warning: \(folder)/\(leftover)"),
        "\(context): validate does not report \(leftover):\n\(validate.stdout)")
    }
    return true
  }

  @Test func theNextRunRemovesALeftover() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Scratch.copy("gguf/tiny-llama.gguf", into: folder)
    let old = try Scratch.bytes(path)
    let edit = ["meta", "set", path, Self.longName, "--in-place"]
    let killed = try SpindleProcess.run(edit, environment: ["SPINDLE_CRASH_AT": "mid-rewrite-copy"])
    #expect(killed.signaled)
    #expect(try Scratch.bytes(path) == old)
    let leftovers = try Scratch.list(folder).filter { $0.hasPrefix(".tiny-llama.gguf.spindle-") }
    try #require(leftovers.count == 1)
    let pid = try #require(TemporaryName.parse(leftovers[0])?.pid)
    let validate = try SpindleProcess.run("validate", path)
    #expect(validate.status == 0)
    #expect(
      validate.stdout
        == "warning: \(folder)/\(leftovers[0]): left by a killed Spindle process (pid \(pid))"
        + " writing tiny-llama.gguf; the final file was never replaced. The next write of"
        + " tiny-llama.gguf removes it, or delete it [staleTemporary]\n\(path): OK (GGUF, 21"
        + " tensors, 23 metadata entries)\n")
    let again = try SpindleProcess.run(edit)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(try Scratch.list(folder) == ["tiny-llama.gguf"])
    #expect(
      try SpindleProcess.run("validate", path).stdout
        == "\(path): OK (GGUF, 21 tensors, 24 metadata entries)\n")
  }
}
