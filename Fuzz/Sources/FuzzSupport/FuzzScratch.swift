#if canImport(Glibc)
import Glibc
#endif

/// A folder of this process's own (on /dev/shm when there is one, so the planners' fsyncs cost
/// nothing) for the targets that go through paths: emptied before every input.
public enum FuzzScratch {
  /// The folder, created on first use.
  public static let folder: String = {
    let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
    let path = "\(base)/spindle-fuzz-\(getpid())"
    mkdir(path, 0o700)
    atexit { FuzzScratch.empty(FuzzScratch.folder, removingItself: true) }
    return path
  }()

  /// A fresh, empty subfolder `name` of ``folder``.
  public static func fresh(_ name: String) -> String {
    let path = "\(folder)/\(name)"
    empty(path, removingItself: true)
    mkdir(path, 0o700)
    return path
  }

  /// Writes `bytes` to `path` (replacing it).
  public static func write(_ bytes: [UInt8], to path: String) {
    guard let stream = fopen(path, "wb") else { violation("cannot create \(path)") }
    let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, stream) }
    fclose(stream)
    if written != bytes.count { violation("short write to \(path)") }
  }

  /// The whole file at `path`.
  public static func read(_ path: String) -> [UInt8] {
    guard let stream = fopen(path, "rb") else { violation("cannot read \(path)") }
    defer { fclose(stream) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, stream) }
      if count == 0 { break }
      bytes += chunk[0..<count]
    }
    return bytes
  }

  /// Removes everything under `path` (and `path` itself when `removingItself`).
  public static func empty(_ path: String, removingItself: Bool) {
    if let directory = opendir(path) {
      while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
          String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        if name == "." || name == ".." { continue }
        let child = "\(path)/\(name)"
        var status = stat()
        if lstat(child, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
          empty(child, removingItself: true)
        } else {
          unlink(child)
        }
      }
      closedir(directory)
    }
    if removingItself { rmdir(path) }
  }
}
