#if canImport(Glibc)
import Glibc
#endif

/// The process holding a `flock` on a file, found in `/proc/locks`, with its command line from
/// `/proc/PID/cmdline`, so a refused edit can say who is editing.
public struct LockHolder: Equatable, Sendable, CustomStringConvertible {
  /// The process id that took the lock; 0 when it is in another PID namespace.
  public var pid: Int32
  /// Its command line, program base name first, control characters escaped, cut at 160
  /// characters; `nil` when unreadable.
  public var command: String?
  /// A write (`LOCK_EX`) rather than a read (`LOCK_SH`) lock.
  public var exclusive: Bool

  public init(pid: Int32, command: String?, exclusive: Bool) {
    self.pid = pid
    self.command = command
    self.exclusive = exclusive
  }

  /// `pid 123 (spindle meta set m.gguf …)`, or for pid 0 a process in another PID namespace.
  public var description: String {
    pid == 0
      ? "a process in another PID namespace (another container?)"
      : "pid \(pid)" + (command.map { " (\($0))" } ?? "")
  }

  /// The first holder of a `flock` on the file with `identity`'s device and inode; `nil` when
  /// none is listed (or `/proc` is unreadable).
  public static func of(_ identity: FileIdentity) -> LockHolder? {
    guard let table = Syscalls.readWhole("/proc/locks") else { return nil }
    let device = identity.device
    let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~0xfff)
    let minor = (device & 0xff) | ((device >> 12) & ~0xff)
    let wanted = "\(hex(major)):\(hex(minor)):\(identity.inode)"
    for line in String(decoding: table, as: UTF8.self).split(separator: "\n") {
      // `1: FLOCK  ADVISORY  WRITE 4242 08:01:1234 0 EOF`; waiters carry `->` and are skipped.
      let fields = line.split(separator: " ")
      guard fields.count >= 6, fields[1] == "FLOCK", fields[5] == wanted,
        let pid = Int32(fields[4])
      else { continue }
      // A holder in another PID namespace (a container sharing the file system) is listed
      // as pid 0, or under its own namespace's pid, which names no process (or another) here.
      let visible = pid > 0 && Syscalls.processExists(pid)
      return LockHolder(
        pid: visible ? pid : 0, command: visible ? commandLine(of: pid) : nil,
        exclusive: fields[3] == "WRITE")
    }
    return nil
  }

  private static func hex(_ value: UInt64) -> String {
    let text = String(value, radix: 16)
    return text.count < 2 ? "0" + text : text
  }

  /// The command line of `pid`, arguments separated by spaces, safe to print.
  static func commandLine(of pid: Int32) -> String? {
    guard let bytes = Syscalls.readWhole("/proc/\(pid)/cmdline"), !bytes.isEmpty else {
      return nil
    }
    var arguments = bytes.split(separator: 0, omittingEmptySubsequences: false).map {
      String(decoding: $0, as: UTF8.self)
    }
    if arguments.last == "" { arguments.removeLast() }
    if let program = arguments.first, let slash = program.lastIndex(of: "/") {
      arguments[0] = String(program[program.index(after: slash)...])
    }
    var text = ""
    for scalar in arguments.joined(separator: " ").unicodeScalars {
      if text.unicodeScalars.count >= 160 { return text + "…" }
      text += scalar.value < 0x20 || scalar.value == 0x7f ? "?" : String(scalar)
    }
    return text
  }
}
