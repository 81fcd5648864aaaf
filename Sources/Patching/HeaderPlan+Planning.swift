import Formats
public import Models
import Tensors

extension HeaderPlan {
  /// Plans `edits` on the GGUF or safetensors file at `path`; a rewrite leaves `reserve`
  /// bytes of header room.
  ///
  /// GGUF in place: the new KVs plus `spindle.reserved` resized (when the file has that key)
  /// must end exactly at the old data offset, or the KVs alone must pad up to it within one
  /// alignment step. safetensors in place: the new JSON must fit the old header length `N`,
  /// the rest becomes spaces. A file Spindle did not write gets no `spindle.reserved` key
  /// added by an in-place edit; a rewrite adds one.
  public init(path: String, edits: [MetadataEdit], reserve: Int = 16_384) throws(PatchError) {
    guard !edits.isEmpty else {
      throw PatchError(.invalidArgument, path: path, "no edits given")
    }
    guard reserve >= 0, reserve <= 1 << 30 else {
      throw PatchError(.invalidArgument, path: path, key: "--reserve", "--reserve must be 0…2^30")
    }
    let parsed: CheckpointPath.Parsed
    do { parsed = try CheckpointPath.parsed(path) } catch { throw PatchError(error) }
    switch parsed {
    case .other(.folder(let folder)):
      throw HeaderPlan.folderRefusal(folder)
    case .other(.file(_, .zstd)):
      throw PatchError(
        .unsupported, path: path, "a zstd-compressed file cannot be edited; decompress it first")
    case .other:
      throw PatchError(
        .unsupported, path: path,
        "a sharded index is not edited by meta; edit the shard files one by one")
    case .gguf(let gguf):
      self = try HeaderPlan.gguf(gguf, edits: edits, reserve: reserve)
    case .safetensors(let safetensors):
      self = try HeaderPlan.safetensors(safetensors, edits: edits, reserve: reserve)
    }
  }

  /// Why a folder cannot be edited as one file: the files in it that can, or what the folder
  /// lacks to be a model at all.
  private static func folderRefusal(_ folder: String) -> PatchError {
    let names = ((try? Syscalls.directoryEntries(folder)) ?? []).sorted()
    let weights = names.filter { $0.hasSuffix(".safetensors") || $0.hasSuffix(".gguf") }
    guard
      names.contains("config.json") || names.contains(SafetensorsIndex.fileName) || !weights.isEmpty
    else { return PatchError(CheckpointPath.unrecognizedFolder(folder)) }
    let example = weights.first.map { ", e.g. \(folder)/\($0)" } ?? ""
    return PatchError(
      .unsupported, path: folder,
      "this is a folder; metadata is edited in one .gguf or .safetensors file: name it\(example)")
  }

  private static func gguf(_ gguf: GGUFFile, edits: [MetadataEdit], reserve: Int)
    throws(PatchError) -> HeaderPlan
  {
    let path = gguf.path
    var metadata = gguf.metadata.filter { $0.key != GGUFFile.reservedKey }.map {
      (key: $0.key, value: $0.value)
    }
    var changes: [String] = []
    for edit in edits {
      for key in [edit.key] + (edit.renamedTo.map { [$0] } ?? [])
      where key == GGUFFile.reservedKey || key == "general.alignment" {
        throw PatchError(
          .unsupported, path: path, key: key,
          "'\(key)' cannot be edited: it describes the file's layout")
      }
      let index = metadata.firstIndex { $0.key == edit.key }
      switch edit {
      case .set(let key, let text, let declared):
        let existing = index.map { metadata[$0].value }
        guard let type = declared ?? existing?.type else {
          throw PatchError(
            .invalidArgument, path: path, key: key,
            NearestName.suggestion(for: key, among: metadata.map(\.key)).map { near in
              "'\(key)' is not in the file; did you mean '\(near)'? (To add it as a new key, give"
                + " its type with --type.)"
            }
              ?? "'\(key)' is a new key; give its type with --type (uint32, float32, bool, string, …)"
          )
        }
        let value = try MetadataValueParser.value(text, as: type, key: key, path: path)
        if let index {
          changes.append(
            "set    \(key): \(metadata[index].value.typeName) \(metadata[index].value.summary())"
              + " → \(value.typeName) \(value.summary())")
          metadata[index].value = value
        } else {
          changes.append("add    \(key): \(value.typeName) \(value.summary())")
          metadata.append((key, value))
        }
      case .delete(let key):
        guard let index else { throw missing(key, path: path, keys: metadata.map(\.key)) }
        changes.append(
          "delete \(key) (was \(metadata[index].value.typeName) \(metadata[index].value.summary()))"
        )
        metadata.remove(at: index)
      case .rename(let from, let to):
        guard let index else { throw missing(from, path: path, keys: metadata.map(\.key)) }
        if metadata.contains(where: { $0.key == to }) {
          throw PatchError(.conflict, path: path, key: to, "'\(to)' already exists")
        }
        if to.isEmpty { throw PatchError(.invalidArgument, path: path, "the new name is empty") }
        changes.append("rename \(from) → \(to)")
        metadata[index].key = to
      }
    }
    return try HeaderPlan(
      gguf: gguf, metadata: metadata, reserve: reserve, changes: changes, edits: edits)
  }

  /// Plans giving `gguf` exactly `metadata` (without `spindle.reserved`); `changes` describe
  /// it. ``StampPlan`` uses this for `--in-place`.
  public init(
    gguf: GGUFFile, metadata: [(key: String, value: GGUFValue)], reserve: Int = 16_384,
    changes: [String], edits: [MetadataEdit] = []
  ) throws(PatchError) {
    let path = gguf.path
    if let key = metadata.first(where: { $0.key.isEmpty || $0.key == GGUFFile.reservedKey })?.key {
      throw PatchError(.invalidArgument, path: path, key: key, "'\(key)' cannot be written")
    }
    let oldHeader = gguf.file.bytes(in: 0..<gguf.dataOffset)
    let dataRange = gguf.dataOffset..<gguf.file.count
    do throws(FormatError) {
      let base = try gguf.encodedHeader(metadata: metadata)
      let span = gguf.dataOffset
      guard gguf.start == 0 else {
        self = try HeaderPlan.rewrite(
          gguf, metadata: metadata, reserve: reserve, changes: changes, edits: edits,
          reason: "the GGUF is embedded at byte \(gguf.start) of a larger file")
        return
      }
      let filler = span - base.count - GGUFFile.reservedEntryOverhead
      if gguf.metadata(GGUFFile.reservedKey) != nil, filler > 0, filler <= 1 << 30 {
        let header = try gguf.encodedHeader(metadata: metadata, reservedBytes: filler)
        self = HeaderPlan(
          path: path, format: .gguf, edits: edits, changes: changes, strategy: .inPlace,
          oldHeader: oldHeader, newHeader: header, dataRange: dataRange, roomAfter: filler,
          file: gguf.file)
        return
      }
      if base.count <= span, gguf.aligned(base.count) == span {
        let header = base + [UInt8](repeating: 0, count: span - base.count)
        self = HeaderPlan(
          path: path, format: .gguf, edits: edits, changes: changes, strategy: .inPlace,
          oldHeader: oldHeader, newHeader: header, dataRange: dataRange,
          roomAfter: span - base.count, file: gguf.file)
        return
      }
      let reason =
        base.count > span
        ? "the new header needs \(base.count) bytes, the file has \(span) before its data"
        : "the new header is \(span - base.count) bytes shorter and the file has no "
          + "\(GGUFFile.reservedKey) key to absorb them"
      self = try HeaderPlan.rewrite(
        gguf, metadata: metadata, reserve: reserve, changes: changes, edits: edits,
        reason: reason)
    } catch {
      throw PatchError(error)
    }
  }

  private static func rewrite(
    _ gguf: GGUFFile, metadata: [(key: String, value: GGUFValue)], reserve: Int,
    changes: [String], edits: [MetadataEdit], reason: String
  ) throws(FormatError) -> HeaderPlan {
    var header = try gguf.encodedHeader(metadata: metadata, reservedBytes: reserve)
    let room = gguf.aligned(header.count) - header.count
    header += [UInt8](repeating: 0, count: room)
    return HeaderPlan(
      path: gguf.path, format: .gguf, edits: edits, changes: changes,
      strategy: .rewrite(reason), oldHeader: gguf.file.bytes(in: 0..<gguf.dataOffset),
      newHeader: header, dataRange: gguf.dataOffset..<gguf.file.count,
      roomAfter: reserve + room, file: gguf.file)
  }

  private static func safetensors(
    _ file: SafetensorsFile, edits: [MetadataEdit], reserve: Int
  ) throws(PatchError) -> HeaderPlan {
    let path = file.path
    var metadata = file.metadata ?? []
    var changes: [String] = []
    for edit in edits {
      let index = metadata.firstIndex { $0.key == edit.key }
      switch edit {
      case .set(let key, let value, let declared):
        if let declared, declared != .string {
          throw PatchError(
            .unsupported, path: path, key: key,
            "safetensors metadata values are strings; --type \(declared.name) cannot be stored")
        }
        if let index {
          changes.append("set    \(key): \(quoted(metadata[index].value)) → \(quoted(value))")
          metadata[index].value = value
        } else {
          changes.append("add    \(key): \(quoted(value))")
          metadata.append((key, value))
        }
      case .delete(let key):
        guard let index else { throw missing(key, path: path, keys: metadata.map(\.key)) }
        changes.append("delete \(key) (was \(quoted(metadata[index].value)))")
        metadata.remove(at: index)
      case .rename(let from, let to):
        guard let index else { throw missing(from, path: path, keys: metadata.map(\.key)) }
        if metadata.contains(where: { $0.key == to }) {
          throw PatchError(.conflict, path: path, key: to, "'\(to)' already exists")
        }
        changes.append("rename \(from) → \(to)")
        metadata[index].key = to
      }
    }
    return try HeaderPlan(
      safetensors: file, metadata: file.metadata == nil && metadata.isEmpty ? nil : metadata,
      reserve: reserve, changes: changes, edits: edits)
  }

  /// Plans giving `file` exactly `metadata` as `__metadata__`; `changes` describe it.
  /// ``StampPlan`` uses this for `--in-place`.
  public init(
    safetensors file: SafetensorsFile, metadata: [(key: String, value: String)]?,
    reserve: Int = 16_384, changes: [String], edits: [MetadataEdit] = []
  ) throws(PatchError) {
    let path = file.path
    let json = file.headerJSON(metadata: metadata)
    let oldHeader = file.file.bytes(in: 0..<file.dataStart)
    let dataRange = file.dataStart..<file.file.count
    if json.count <= file.headerLength {
      self = HeaderPlan(
        path: path, format: .safetensors, edits: edits, changes: changes, strategy: .inPlace,
        oldHeader: oldHeader,
        newHeader: SafetensorsFile.prefix(json: json, headerLength: file.headerLength),
        dataRange: dataRange, roomAfter: file.headerLength - json.count, file: file.file)
      return
    }
    let length = (json.count + reserve + 7) / 8 * 8
    guard length <= SafetensorsFile.maximumHeaderLength else {
      throw PatchError(
        FormatError(
          .headerTooLarge, path: path,
          "the new header would be \(length) bytes, over the safetensors limit"))
    }
    self = HeaderPlan(
      path: path, format: .safetensors, edits: edits, changes: changes,
      strategy: .rewrite(
        "the new header needs \(json.count) bytes, the file has \(file.headerLength)"),
      oldHeader: oldHeader, newHeader: SafetensorsFile.prefix(json: json, headerLength: length),
      dataRange: dataRange, roomAfter: length - json.count, file: file.file)
  }

  /// `'key' is not in the file`, with the nearest of the file's `keys` when one is close.
  private static func missing(_ key: String, path: String, keys: [String]) -> PatchError {
    let hint = NearestName.suggestion(for: key, among: keys).map { "; did you mean '\($0)'?" }
    return PatchError(.missingKey, path: path, key: key, "'\(key)' is not in the file\(hint ?? "")")
  }

  private static func quoted(_ text: String) -> String {
    GGUFValue.string(text).summary()
  }
}

extension MetadataEdit {
  /// The new name of a rename.
  var renamedTo: String? {
    if case .rename(_, let to) = self { return to }
    return nil
  }
}
