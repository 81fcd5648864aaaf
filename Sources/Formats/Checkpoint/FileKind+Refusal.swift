extension FileKind {
  /// The error for passing a file of this kind where a checkpoint belongs: what the file is
  /// and what to pass instead; `nil` for the kinds an opener reads (``isCheckpoint``).
  ///
  /// Kinds: `gitLFSPointer`, `htmlDocument`, `headerTooSmall` (empty), else `notACheckpoint`;
  /// located at byte 0, where the content that tells starts.
  public func refusal(path: String) -> FormatError? {
    let advice: String
    let kind: FormatError.Kind
    switch self {
    case .gguf, .safetensors, .zstd, .binary, .json(.safetensorsIndex):
      return nil
    case .gitLFSPointer:
      return FormatError(
        .gitLFSPointer, path: path, offset: 0,
        "this is a Git LFS pointer (the file itself was not downloaded), not a checkpoint;"
          + " run git lfs pull in its repository (or download the file)")
    case .html:
      return FormatError(
        .htmlDocument, path: path, offset: 0,
        "this is an HTML page (an error or login page saved by a failed download), not a"
          + " checkpoint; download the file again")
    case .json(.modelConfig), .json(.generationConfig), .json(.tokenizer),
      .json(.tokenizerConfig):
      kind = .notACheckpoint
      advice = "pass its folder instead: \(Self.folder(of: path))"
    case .json(.other), .text:
      kind = .notACheckpoint
      advice = "pass a .safetensors or .gguf file, or a model folder"
    case .empty:
      kind = .headerTooSmall
      advice = "download or copy it again"
    case .zip:
      kind = .notACheckpoint
      advice = "unpack it and pass the model inside"
    case .pytorchZip, .pytorchPickle:
      return FormatError(
        .notACheckpoint, path: path, offset: 0,
        "this is \(summary), not safetensors or GGUF; save it as safetensors first"
          + " (transformers: model.save_pretrained(folder, safe_serialization=True))")
    }
    return FormatError(
      kind, path: path, offset: 0, "this is \(summary), not a checkpoint; \(advice)")
  }

  /// The error a reader of `expected` (``gguf`` or ``safetensors``) gives a file of this kind
  /// before it would misread the first bytes (as a header length, as a magic): ``refusal(path:)``,
  /// or `unknownFormat` for the other checkpoint format; `nil` for `expected` and ``binary``.
  public func refusal(path: String, reading expected: FileKind) -> FormatError? {
    switch self {
    case expected, .binary: return nil
    case .gguf, .safetensors, .zstd, .json(.safetensorsIndex):
      return FormatError(
        .unknownFormat, path: path, offset: 0,
        "this is \(summary), not \(expected.summary); open it with Checkpoint.open")
    default: return refusal(path: path)
    }
  }

  /// The folder holding `path` (`.` for a bare file name).
  public static func folder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }
}
