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

  /// The error for a folder that holds neither a `config.json` nor a sharded index.
  public static func unrecognizedFolder(_ path: String) -> FormatError {
    FormatError(
      .unknownFormat, path: path,
      "a folder without config.json or \(SafetensorsIndex.fileName); name a checkpoint file instead"
    )
  }
}
