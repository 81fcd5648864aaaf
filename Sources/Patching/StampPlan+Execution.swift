import Formats
public import Models
import Tensors

#if canImport(Glibc)
import Glibc
#endif

extension StampPlan {
  /// Writes the plan: a new file or folder, or the input replaced.
  ///
  /// A GGUF or safetensors file edited in place goes through ``PatchEngine``: only the header
  /// is written when it fits the room the file has (undo journal first), else the file is
  /// rewritten beside itself with 16 KiB of room and renamed over the original. Other files
  /// are written whole through Spindle's writers (temporary file in the destination's folder,
  /// fsync, rename), tensor bytes copied untouched; in place, the input is replaced only when
  /// complete and still the file that was planned. A folder output (Hugging Face) is
  /// built under a temporary name beside it and renamed into place; it holds the new
  /// config.json and copies of the folder's other top-level files (copies, not hard links, so
  /// a later in-place edit of one folder cannot change the other). On failure nothing is left
  /// under the output's name and the input is unchanged. The written output is read back and
  /// must declare ``after``.
  ///
  /// - Returns: what was written and how (header only with an undo, or a whole rewrite).
  @discardableResult
  public func execute(_ output: Output) throws(PatchError) -> EditResult {
    switch target {
    case .huggingFace(let folder, let configText)
    where !shardChanges.isEmpty || indexReplacement != nil:
      switch output {
      case .inPlace:
        try Self.requireUnchanged("\(folder)/config.json", bytes: configText.original)
        let temporary = Self.temporarySibling(of: folder)
        try writeFolder(from: folder, to: temporary, config: configText.edited)
        do { try Syscalls.exchange(temporary, folder) } catch {
          Self.removeFolder(temporary)
          throw PatchError(FormatError(error))
        }
        Self.removeFolder(temporary)
        try verify(configPath: "\(folder)/config.json")
        return EditResult(
          path: folder, action: .rewritten, inPlace: true,
          reason: "its safetensors files change: the folder is rebuilt beside itself and swapped in"
        )
      case .path(let destination):
        try writeFolder(from: folder, to: destination, config: configText.edited)
        try verify(configPath: "\(destination)/config.json")
        return EditResult(path: destination, action: .rewritten, inPlace: false)
      }
    case .huggingFace(let folder, let configText):
      switch output {
      case .inPlace:
        let configPath = "\(folder)/config.json"
        try Self.requireUnchanged(configPath, bytes: configText.original)
        try Self.writeFile(configPath, bytes: configText.edited)
        try verify(configPath: configPath)
        return EditResult(
          path: folder, action: .rewritten, inPlace: true,
          reason:
            "config.json, \(configText.original.count) → \(configText.edited.count) bytes, is"
            + " replaced whole through a temporary file, fsync and rename")
      case .path(let destination):
        try writeFolder(from: folder, to: destination, config: configText.edited)
        try verify(configPath: "\(destination)/config.json")
        return EditResult(path: destination, action: .rewritten, inPlace: false)
      }
    case .safetensors(let file, let metadata) where output == .inPlace:
      let header = try HeaderPlan(safetensors: file, metadata: metadata, changes: [])
      let outcome = try PatchEngine.execute(header)
      let written: SafetensorsFile
      do { written = try SafetensorsFile(path: file.path) } catch { throw PatchError(error) }
      try check(
        try RoPESettings(safetensorsMetadata: written.metadata, path: file.path, force: true),
        path: file.path)
      return EditResult(header, outcome)
    case .gguf(let file, let metadata) where output == .inPlace && tensorChanges.isEmpty:
      let header = try HeaderPlan(gguf: file, metadata: metadata, changes: [])
      let outcome = try PatchEngine.execute(header)
      let written: GGUFFile
      do { written = try GGUFFile(path: file.path) } catch { throw PatchError(error) }
      try check(try Self.declared(gguf: written), path: file.path)
      return EditResult(header, outcome)
    case .safetensors(let file, let metadata):
      let (destination, editLock) = try destinationFile(output, input: file.file)
      defer { editLock?.release() }
      var writer = SafetensorsWriter(
        metadata: metadata, reserve: file.headerPadding >= 8 ? file.headerPadding : 0)
      for entry in file.tensors {
        writer.add(
          entry.name, dtype: entry.dtype, shape: entry.shape, data: .tensor(entry, in: file.file))
      }
      do { _ = try writer.write(to: destination) } catch { throw PatchError(error) }
      let written: SafetensorsFile
      do { written = try SafetensorsFile(path: destination) } catch { throw PatchError(error) }
      try check(
        try RoPESettings(safetensorsMetadata: written.metadata, path: destination, force: true),
        path: destination)
      return EditResult(
        path: destination, action: .rewritten, inPlace: false, bytesBefore: file.file.count,
        bytesAfter: written.file.count)
    case .gguf(let file, let metadata):
      let (destination, editLock) = try destinationFile(output, input: file.file)
      defer { editLock?.release() }
      do {
        var writer = try GGUFWriter(
          path: destination, alignment: file.alignment, endianness: file.endianness)
        writer.reservedBytes =
          tensorChanges.isEmpty ? file.reservedBytes : max(file.reservedBytes, 16_384)
        for (key, value) in metadata { try writer.add(key, value) }
        for tensor in try Self.tensors(
          file.tensors, in: file.file, applying: tensorChanges, endianness: file.endianness,
          path: file.path)
        {
          try writer.addTensor(
            tensor.name, dtype: tensor.dtype, shape: tensor.shape, data: tensor.data)
        }
        try writer.write()
      } catch let error as PatchError {
        throw error
      } catch let error as FormatError {
        throw PatchError(error)
      } catch {
        throw PatchError(.format, path: destination, "\(error)")
      }
      if output == .inPlace { _ = unlink(UndoJournal.undoPath(for: file.file.path)) }
      let written: GGUFFile
      do { written = try GGUFFile(path: destination) } catch { throw PatchError(error) }
      try check(try Self.declared(gguf: written), path: destination)
      let room = written.reservedBytes > 0 ? written.reservedBytes : nil
      return EditResult(
        path: destination, action: .rewritten, inPlace: output == .inPlace,
        reason: output == .inPlace ? "tensors change, so the whole file is written" : nil,
        bytesBefore: file.file.count, bytesAfter: written.file.count, headerRoom: room)
    }
  }

  /// Writes a byte-identical copy of the model at `path` to `destination` (`-o OUT` when
  /// there is nothing to change): a file through a temporary file, fsync and rename; a folder
  /// built under a temporary name beside `destination` and renamed, as ``execute(_:)`` builds
  /// one, every file unchanged.
  public static func writeIdenticalCopy(of path: String, to destination: String)
    throws(PatchError) -> EditResult
  {
    let status: stat?
    do { status = try Syscalls.pathStatus(path) } catch { throw PatchError(FormatError(error)) }
    if let status, (status.st_mode & S_IFMT) == S_IFDIR {
      try writeFolder(
        from: path, to: destination, config: nil, shardChanges: [], indexReplacement: nil)
      return EditResult(path: destination, action: .copied, inPlace: false)
    }
    let file: MappedFile
    do { file = try MappedFile(path: path) } catch { throw PatchError(FormatError(error)) }
    return try writeIdenticalCopy(of: file, to: destination)
  }

  /// Copies `file` byte for byte to `destination` (temporary file, fsync, rename) and checks
  /// the copy's size.
  public static func writeIdenticalCopy(of file: MappedFile, to destination: String)
    throws(PatchError) -> EditResult
  {
    do throws(FormatError) {
      let writer = try AtomicFileWriter(destination: destination)
      do throws(FormatError) {
        try writer.requireSpace(file.count)
        if file.count > 0 { try writer.copy(from: file, range: 0..<file.count) }
        try writer.commit()
      } catch {
        writer.abort()
        throw error
      }
      let copy: MappedFile
      do { copy = try MappedFile(path: destination) } catch { throw FormatError(error) }
      guard copy.count == file.count else {
        throw FormatError(
          .io, path: destination,
          "the copy holds \(copy.count) bytes, the input \(file.count)")
      }
    } catch {
      throw PatchError(error)
    }
    return EditResult(
      path: destination, action: .copied, inPlace: false, bytesBefore: file.count,
      bytesAfter: file.count)
  }

  /// The file to write and, in place, the ``EditLock`` held on it until written.
  private func destinationFile(_ output: Output, input: MappedFile) throws(PatchError) -> (
    String, EditLock?
  ) {
    switch output {
    case .path(let destination):
      return (destination, nil)
    case .inPlace:
      let editLock: EditLock
      do { editLock = try EditLock(path: input.path) } catch { throw PatchError(error) }
      let current: FileIdentity?
      do { current = try FileIdentity.current(at: input.path) } catch {
        throw PatchError(FormatError(error))
      }
      guard current == input.identity else {
        throw PatchError(
          FormatError(
            .fileChanged, path: input.path,
            "the file changed since it was read; nothing was written"))
      }
      return (Syscalls.resolvedPath(input.path), editLock)
    }
  }

  private func verify(configPath: String) throws(PatchError) {
    let text: [UInt8]
    do {
      let file = try MappedFile(path: configPath)
      text = file.bytes(in: 0..<file.count)
    } catch { throw PatchError(FormatError(error)) }
    let config: JSONObject
    do {
      config =
        try JSONValue.parse(String(decoding: text, as: UTF8.self), path: configPath).object
        ?? JSONObject()
    } catch { throw PatchError(error) }
    try check(
      try RoPESettings(huggingFace: config, path: configPath, force: true), path: configPath)
  }

  /// The settings a written GGUF declares, baked tables included.
  static func declared(gguf file: GGUFFile) throws(PatchError) -> RoPESettings {
    let settings = try RoPESettings(gguf: file, force: true)
    guard let record = try bakedRecord(gguf: file) else { return settings }
    return try applying(record, to: settings, path: file.path)
  }

  private func check(_ written: RoPESettings, path: String) throws(PatchError) {
    try Self.checkReadBack(written, after, path: path)
  }

  static func requireUnchanged(_ path: String, bytes: [UInt8]) throws(PatchError) {
    let current: [UInt8]
    do {
      let file = try MappedFile(path: path)
      current = file.bytes(in: 0..<file.count)
    } catch { throw PatchError(FormatError(error)) }
    guard current == bytes else {
      throw PatchError(
        FormatError(
          .fileChanged, path: path, "the file changed since it was read; nothing was written"))
    }
  }

  static func writeFile(_ path: String, bytes: [UInt8], mode: UInt32? = nil) throws(PatchError) {
    do {
      let writer = try AtomicFileWriter(destination: path, mode: mode)
      try writer.write(bytes)
      try writer.commit()
    } catch { throw PatchError(error) }
  }

  /// Builds `destination` as a copy of `folder` with the plan's config.json, shards and index.
  private func writeFolder(from folder: String, to destination: String, config: [UInt8])
    throws(PatchError)
  {
    try Self.writeFolder(
      from: folder, to: destination, config: config, shardChanges: shardChanges,
      indexReplacement: indexReplacement)
  }

  /// Builds `destination` as a copy of `folder` with a new config.json (`nil`: unchanged),
  /// changed shards and a new index.
  private static func writeFolder(
    from folder: String, to destination: String, config: [UInt8]?, shardChanges: [ShardChange],
    indexReplacement: [UInt8]?
  ) throws(PatchError) {
    if (try? Syscalls.pathStatus(destination)) ?? nil != nil {
      throw PatchError(
        .outputExists, path: destination,
        "the output folder exists; choose a new path (or stamp with --in-place)")
    }
    let trimmed =
      destination.count > 1 && destination.hasSuffix("/")
      ? String(destination.dropLast()) : destination
    let slash = trimmed.lastIndex(of: "/")
    let parent = slash.map { String(trimmed[..<$0]) } ?? "."
    let name = slash.map { String(trimmed[trimmed.index(after: $0)...]) } ?? trimmed
    let temporary = Self.temporarySibling(of: trimmed, parent: parent, name: name)
    TemporaryName.removeStale(in: parent, target: name)
    guard mkdir(temporary, 0o755) == 0 else {
      throw PatchError(FormatError(SystemError(operation: "mkdir", path: temporary, code: errno)))
    }
    do throws(PatchError) {
      for entry in try Self.entries(of: folder) {
        let source = "\(folder)/\(entry.name)"
        let target = "\(temporary)/\(entry.name)"
        if entry.name == "config.json", let config {
          try Self.writeFile(target, bytes: config, mode: entry.mode)
          continue
        }
        if entry.name == SafetensorsIndex.fileName, let indexReplacement {
          try Self.writeFile(target, bytes: indexReplacement, mode: entry.mode)
          continue
        }
        if let change = shardChanges.first(where: { $0.file.path == source }) {
          try writeShard(change, to: target, mode: entry.mode)
          continue
        }
        do {
          let mapped = try MappedFile(path: source)
          let writer = try AtomicFileWriter(destination: target, mode: entry.mode)
          try writer.copy(from: mapped, range: 0..<mapped.count)
          try writer.commit()
        } catch let error as SystemError {
          throw PatchError(FormatError(error))
        } catch let error as FormatError {
          throw PatchError(error)
        } catch {
          throw PatchError(.format, path: source, "\(error)")
        }
      }
      do { try Syscalls.rename(temporary, to: trimmed) } catch {
        throw PatchError(FormatError(error))
      }
    } catch {
      Self.removeFolder(temporary)
      throw error
    }
  }

  /// The regular files directly in `folder` with their modes; subfolders are refused.
  private static func entries(of folder: String) throws(PatchError) -> [(
    name: String, mode: UInt32
  )] {
    let names: [String]
    do { names = try Syscalls.directoryEntries(folder) } catch {
      throw PatchError(FormatError(error))
    }
    var result: [(name: String, mode: UInt32)] = []
    for name in names {
      let status: stat?
      do { status = try Syscalls.pathStatus("\(folder)/\(name)") } catch {
        throw PatchError(FormatError(error))
      }
      guard let status else { continue }
      guard (status.st_mode & S_IFMT) == S_IFREG else {
        throw PatchError(
          .unsupported, path: "\(folder)/\(name)",
          "the model folder holds '\(name)', which is not a regular file; -o copies flat"
            + " folders only (use --in-place, or copy the folder and stamp the copy in place)")
      }
      result.append((name, UInt32(status.st_mode & 0o7777)))
    }
    return result.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
  }

  private static func removeFolder(_ path: String) {
    for name in (try? Syscalls.directoryEntries(path)) ?? [] { _ = unlink("\(path)/\(name)") }
    _ = rmdir(path)
  }

  /// A hidden name beside `path` for a folder under construction.
  static func temporarySibling(of path: String, parent: String? = nil, name: String? = nil)
    -> String
  {
    let split = AtomicFileWriter.split(path)
    let folder = parent ?? split.folder
    return "\(folder.isEmpty ? "/" : folder)/" + TemporaryName.folder(for: name ?? split.name)
  }

  /// Writes one changed safetensors file of a folder.
  static func writeShard(_ change: ShardChange, to target: String, mode: UInt32) throws(PatchError)
  {
    let file = change.file
    var writer = SafetensorsWriter(
      metadata: change.metadata, reserve: file.headerPadding >= 8 ? file.headerPadding : 0)
    for tensor in try tensors(
      file.tensors, in: file.file, applying: change.tensorChanges, endianness: .little,
      path: file.path)
    {
      writer.add(tensor.name, dtype: tensor.dtype, shape: tensor.shape, data: tensor.data)
    }
    do {
      _ = try writer.write(to: target)
      if let fd = try? Syscalls.open(target, flags: O_RDONLY) {
        defer { _ = close(fd) }
        try Syscalls.fchmod(fd, mode: mode, path: target)
      }
    } catch let error as FormatError {
      throw PatchError(error)
    } catch let error as SystemError {
      throw PatchError(FormatError(error))
    } catch {
      throw PatchError(.format, path: target, "\(error)")
    }
  }

  /// The tensors to write: `entries` in order with `changes` applied (scaled, replaced or
  /// removed), then the added ones.
  static func tensors(
    _ entries: [TensorEntry], in file: MappedFile, applying changes: [TensorChange],
    endianness: Endianness, path: String
  ) throws(PatchError) -> [(name: String, dtype: DType, shape: [Int], data: TensorData)] {
    var byName: [String: TensorChange] = [:]
    for change in changes { byName[change.name] = change }
    var result: [(name: String, dtype: DType, shape: [Int], data: TensorData)] = []
    for entry in entries {
      guard let change = byName.removeValue(forKey: entry.name) else {
        result.append((entry.name, entry.dtype, entry.shape, .file(file, range: entry.byteRange)))
        continue
      }
      switch change.action {
      case .remove:
        continue
      case .replace(let bytes), .add(let bytes):
        result.append((entry.name, change.dtype, change.shape, .bytes(bytes)))
      case .scale(let factor):
        result.append(
          (
            entry.name, entry.dtype, entry.shape,
            try AttentionFolding.scaled(
              entry, in: file, by: factor, endianness: endianness, path: path)
          ))
      }
    }
    for change in changes where byName[change.name] != nil {
      guard case .add(let bytes) = change.action else {
        throw PatchError(
          .format, path: path, key: change.name,
          "internal check failed: the plan changes '\(change.name)', which the file lacks")
      }
      result.append((change.name, change.dtype, change.shape, .bytes(bytes)))
    }
    return result
  }
}
