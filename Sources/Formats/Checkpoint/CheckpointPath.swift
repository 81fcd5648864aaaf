import Tensors

#if canImport(Glibc)
import Glibc
#endif

/// What a path given as a checkpoint names, told by its content: the first step of every
/// command that reads or edits one, so they all say the same thing about the same mistake.
public enum CheckpointPath {
  /// A folder (a trailing `/` removed).
  case folder(String)
  /// A file and the format to read it as: ``FileKind/gguf``, ``FileKind/safetensors``,
  /// ``FileKind/zstd`` or a sharded safetensors index. A file of no known format is read as
  /// its extension says (`.gguf`, else safetensors), so a damaged checkpoint gets a located
  /// error from its reader.
  case file(MappedFile, FileKind)

  /// Resolves `path`: `notFound` when nothing is there, the refusal of ``FileKind`` when the
  /// file is not a checkpoint (text, JSON, HTML, PyTorch, an LFS pointer, empty), and
  /// `interruptedEdit` when an in-place edit of it did not finish.
  public static func resolve(_ path: String) throws(FormatError) -> CheckpointPath {
    let status: stat?
    do { status = try Syscalls.pathStatus(path) } catch { throw FormatError(error) }
    guard let status else {
      throw FormatError(.notFound, path: path, "no such file or folder")
    }
    if (status.st_mode & S_IFMT) == S_IFDIR {
      return .folder(path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path)
    }
    try UndoJournal.requireNoJournal(for: path)
    let file: MappedFile
    do { file = try MappedFile(path: path) } catch { throw FormatError(error) }
    let kind = FileKind.sniff(file)
    if let refusal = kind.refusal(path: path) { throw refusal }
    if kind == .binary { return .file(file, path.hasSuffix(".gguf") ? .gguf : .safetensors) }
    return .file(file, kind)
  }

  /// Resolves `path` and runs `read` on what it names, again (up to three times) when an
  /// in-place edit by another Spindle process ran meanwhile (``EditWatch``), so what `read`
  /// returns never comes from a half-written header; an edit in progress is waited for.
  public static func reading<T>(
    _ path: String, _ read: (CheckpointPath) throws(FormatError) -> T
  ) throws(FormatError) -> T {
    for _ in 0..<3 {
      try UndoJournal.requireNoJournal(for: path)
      let before = EditWatch.current(path)
      let result = Result { () throws(FormatError) in try read(try resolve(path)) }
      // A failure or a read on an unchanged file is the file's own.
      if before.file == nil || EditWatch.current(path) == before { return try result.get() }
    }
    throw FormatError(
      .fileChanged, path: path,
      "the file changed three times while its header was read (another process keeps"
        + " editing it); try again when it has finished")
  }

  /// What ``parsed(_:)`` read: one GGUF or safetensors file's header, or another kind of path.
  public enum Parsed {
    case gguf(GGUFFile)
    case safetensors(SafetensorsFile)
    /// A folder, a sharded index or a compressed file: not parsed here.
    case other(CheckpointPath)
  }

  /// Resolves `path` and parses a single file's header (``reading(_:_:)``'s guarantee).
  public static func parsed(_ path: String) throws(FormatError) -> Parsed {
    try reading(path) { resolved throws(FormatError) -> Parsed in
      switch resolved {
      case .file(let file, .gguf): return .gguf(try GGUFFile(file: file))
      case .file(_, .json(.safetensorsIndex)), .file(_, .zstd), .folder: return .other(resolved)
      case .file(let file, _): return .safetensors(try SafetensorsFile(file: file))
      }
    }
  }

  /// The error for a folder that holds neither a `config.json` nor a sharded index.
  public static func unrecognizedFolder(_ path: String) -> FormatError {
    FormatError(
      .unknownFormat, path: path,
      "a folder without config.json or \(SafetensorsIndex.fileName); name a checkpoint file instead"
    )
  }
}
