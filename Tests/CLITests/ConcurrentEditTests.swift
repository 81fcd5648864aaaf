import Formats
import Foundation
import Tensors
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Two processes at one file: an edit waits for and then refuses another's lock, naming the
/// holder; racing edits never lose or mix bytes; a reader never takes a half-written header.
@Suite("Concurrent edits", .serialized)
struct ConcurrentEditTests {
  static func reserved(in folder: String) throws -> String {
    try FaultInjectionTests.reserved(in: folder)
  }

  /// This process's command line as `/proc` shows it (program base name, spaces).
  static var ownCommand: String {
    let bytes = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/self/cmdline"))) ?? Data()
    var arguments = bytes.split(separator: 0, omittingEmptySubsequences: false).map {
      String(decoding: $0, as: UTF8.self)
    }
    if arguments.last == "" { arguments.removeLast() }
    arguments[0] = URL(fileURLWithPath: arguments[0]).lastPathComponent
    let text = arguments.joined(separator: " ")
    return text.count > 160 ? String(text.prefix(160)) + "…" : text
  }

  /// `--wait 1` waits a second for the holder, then refuses naming it; `--wait 0` refuses at
  /// once. (Only the lower bound of the wait is asserted: the machine may be slow.)
  @Test(arguments: ["1", "0"])
  func aHeldLockIsWaitedForThenNamed(wait: String) throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Self.reserved(in: folder)
    let old = try Scratch.bytes(path)
    let holder = open(path, O_RDONLY)
    defer { close(holder) }
    #expect(try Syscalls.lockExclusively(holder, path: path))
    for edit in [
      ["meta", "set", path, "general.name=second", "--in-place"],
      ["meta", "set", path, "general.name=\(String(repeating: "s", count: 20_000))", "--in-place"],
      ["stamp", path, "--yarn", "4", "--in-place"],
    ] {
      let start = Date()
      let result = try SpindleProcess.run(edit + ["--wait", wait])
      let waited = Date().timeIntervalSince(start)
      #expect(result.status == 1)
      #expect(
        result.stderr
          == "Error: \(path): another process is editing the file: pid \(getpid())"
          + " (\(Self.ownCommand)) holds its lock (waited \(wait) s); nothing was changed. Run the"
          + " command again once it has finished, or wait for it with --wait SECONDS or --wait"
          + " forever [fileChanged]\n")
      #expect(waited >= Double(wait)!, "waited \(waited) s")
    }
    #expect(try Scratch.bytes(path) == old)
    #expect(try Scratch.list(folder) == ["m.gguf"])
  }

  /// A holder in another PID namespace (here: this process, seen from a `spindle` started in
  /// a new one, as from another container) is not listed in that namespace's `/proc/locks`:
  /// the refusal says so instead of naming a wrong pid.
  @Test(.enabled(if: canUnsharePIDs)) func aHolderInAnotherPIDNamespace() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Self.reserved(in: folder)
    let holder = open(path, O_RDONLY)
    defer { close(holder) }
    #expect(try Syscalls.lockExclusively(holder, path: path))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
    process.arguments = [
      "--pid", "--fork", "--mount-proc", SpindleProcess.executable, "meta", "set", path,
      "general.name=contained", "--in-place", "--wait", "0",
    ]
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 1)
    #expect(
      stderr
        == "Error: \(path): another process is editing the file: a process /proc/locks does not"
        + " show here (one in another PID namespace, such as another container) holds its lock"
        + " (waited 0 s); nothing was changed. Run the command again once it has finished, or"
        + " wait for it with --wait SECONDS or --wait forever [fileChanged]\n")
  }

  /// Whether this machine lets the tests start a process in a new PID namespace (root, or
  /// user namespaces allowed).
  static let canUnsharePIDs: Bool = {
    let probe = Process()
    probe.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
    probe.arguments = ["--pid", "--fork", "--mount-proc", "true"]
    probe.standardError = FileHandle.nullDevice
    guard (try? probe.run()) != nil else { return false }
    probe.waitUntilExit()
    return probe.terminationStatus == 0
  }()

  @Test(arguments: ["soon", "nan", "1e999"])
  func aWaitThatIsNotADurationIsAUsageError(wait: String) throws {
    let result = try SpindleProcess.run(
      "meta", "set", "m.gguf", "general.name=x", "--in-place", "--wait", wait)
    #expect(result.status == 64)
    #expect(
      result.stderr.hasPrefix(
        "Error: The value '\(wait)' is invalid for '--wait <seconds|forever>'"))
  }

  /// A lock let go within the wait lets the edit through: after half a second with the
  /// default wait (silently), after 11 s, past the default, with `--wait forever`, which
  /// announces the wait once after a second, naming the holder.
  @Test(arguments: [(500_000, [String]()), (11_000_000, ["--wait", "forever"])])
  func aLockReleasedInTimeLetsTheEditThrough(heldFor microseconds: Int, wait: [String]) throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Self.reserved(in: folder)
    let holder = open(path, O_RDONLY)
    #expect(try Syscalls.lockExclusively(holder, path: path))
    let release = Thread {
      usleep(UInt32(microseconds))
      close(holder)
    }
    release.start()
    let result = try SpindleProcess.run(
      ["meta", "set", path, "general.name=after", "--in-place"] + wait)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stderr
        == (wait.isEmpty
          ? ""
          : "\(path): waiting for pid \(getpid()) (\(Self.ownCommand)) to finish editing it (no"
            + " limit; --wait to change)\n"))
    #expect(
      try SpindleProcess.run("inspect", path, "--metadata", "general.name").stdout
        == "general.name (STRING): after\n")
  }

  /// Starts `spindle arguments…` without waiting; collects its output through files.
  static func start(_ arguments: [String], environment: [String: String], log: String) throws
    -> Process
  {
    let process = Process()
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.executableURL = URL(fileURLWithPath: SpindleProcess.executable)
    process.arguments = arguments
    _ = FileManager.default.createFile(atPath: log, contents: nil)
    process.standardOutput = FileHandle.nullDevice
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    try process.run()
    return process
  }

  @Test func racingEditsLoseNothing() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Self.reserved(in: folder)
    let old = try Scratch.bytes(path)
    let edits = [
      ["general.name=first"], ["llama.context_length=8192"],
    ]
    // Every order the two can end in: one alone (the other refused), or one after the other.
    var outcomes: Set<[UInt8]> = [old]
    for order in [[0], [1], [0, 1], [1, 0]] {
      try Scratch.write(old, to: path)
      for index in order {
        #expect(
          try SpindleProcess.run(["meta", "set", path] + edits[index] + ["--in-place"]).status == 0)
      }
      outcomes.insert(try Scratch.bytes(path))
      try? FileManager.default.removeItem(atPath: path + ".spindle-undo")
    }
    for round in 0..<3 {
      try Scratch.write(old, to: path)
      let processes = try edits.indices.map { index in
        try Self.start(
          ["meta", "set", path] + edits[index] + ["--in-place"],
          environment: ["SPINDLE_FAULT": "slow:2000"], log: "\(folder)/log\(index)")
      }
      for process in processes { process.waitUntilExit() }
      for index in edits.indices {
        let status = processes[index].terminationStatus
        let log = (try? String(contentsOfFile: "\(folder)/log\(index)", encoding: .utf8)) ?? ""
        #expect(
          status == 0 || log.contains("another process is editing the file")
            || log.contains("the file changed since it was read"),
          "round \(round), edit \(index): status \(status), \(log)")
        try FileManager.default.removeItem(atPath: "\(folder)/log\(index)")
      }
      #expect(outcomes.contains(try Scratch.bytes(path)), "round \(round): a mixed header")
      #expect(!FileManager.default.fileExists(atPath: path + ".spindle-journal"))
      try? FileManager.default.removeItem(atPath: path + ".spindle-undo")
    }
  }

  @Test func readersNeverSeeAHalfWrittenHeader() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Self.reserved(in: folder)
    var names = Set<String>()
    for round in 0..<3 {
      let name = "general.name=round\(round)"
      let editor = try Self.start(
        ["meta", "set", path, name, "--in-place"],
        environment: ["SPINDLE_FAULT": "slow:20000"], log: "\(folder)/editor.log")
      var reads = 0
      while editor.isRunning || reads == 0 {
        let inspect = try SpindleProcess.run("inspect", path, "--metadata", "general.name")
        #expect(inspect.status == 0, "round \(round): \(inspect.stderr)")
        names.insert(inspect.stdout)
        reads += 1
      }
      editor.waitUntilExit()
      #expect(editor.terminationStatus == 0)
      print("reader round \(round): \(reads) reads during one slowed in-place edit")
      try FileManager.default.removeItem(atPath: path + ".spindle-undo")
    }
    let whole = ["tiny-llama", "round0", "round1", "round2", "round3"].map {
      "general.name (STRING): \($0)\n"
    }
    #expect(names.isSubset(of: whole), "\(names)")
  }

  @Test func aReaderWaitsForAnEditThenNamesTheEditor() throws {
    let folder = try Scratch.folder()
    defer { Scratch.cleanUp(folder) }
    let path = try Self.reserved(in: folder)
    // An edit in progress, as another process shows it: the journal present, the lock held.
    try Scratch.write(Array("journal".utf8), to: path + ".spindle-journal")
    let holder = open(path, O_RDONLY)
    defer { close(holder) }
    #expect(try Syscalls.lockExclusively(holder, path: path))
    let start = Date()
    let result = try SpindleProcess.run("inspect", path)
    let waited = Date().timeIntervalSince(start)
    #expect(result.status == 1)
    let editor = "pid \(getpid()) (\(Self.ownCommand))"
    #expect(
      result.stderr
        == "\(path): waiting for \(editor) to finish editing it (up to 10 s)\n"
        + "Error: \(path): another process is editing the file: \(editor) holds its lock (waited"
        + " 10 s); nothing was changed. Run the command again once it has finished [fileChanged]\n"
    )
    #expect(waited >= 10, "waited \(waited) s")
  }
}
