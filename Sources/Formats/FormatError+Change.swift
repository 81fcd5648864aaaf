public import Tensors

extension FormatError {
  /// `fileChanged` for a file that shrank while it was mapped and read, at its first missing
  /// byte, with its size then and now.
  public init(changed change: MappedFile.Change) {
    let now = (try? Syscalls.pathStatus(change.path))?.map { "now \($0.st_size)" } ?? "now gone"
    self.init(
      .fileChanged, path: change.path, offset: change.firstMissingByte,
      "file changed while reading (was \(change.mappedBytes) bytes, \(now)); nothing read from it is kept"
    )
  }

  /// The ``init(changed:)`` error for the first file that shrank while mapped in this process.
  public static var changedWhileReading: FormatError? {
    MappedFile.firstChange.map(FormatError.init(changed:))
  }
}
