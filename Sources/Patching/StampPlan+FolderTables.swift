import Formats
import Models
import RoPE
import Tensors

extension StampPlan {
  /// A Hugging Face folder's safetensors files and, when sharded, its index.
  struct FolderWeights {
    var files: [SafetensorsFile]
    var index: SafetensorsIndex?
  }

  /// The folder's weights: required with `--tables`; otherwise read when readable (to find
  /// tables an earlier `--tables` left), and ignored when not.
  static func folderWeights(_ folder: String, request: StampRequest) throws(PatchError)
    -> FolderWeights?
  {
    let directory: HFModelDirectory
    do { directory = try HFModelDirectory(path: folder) } catch {
      if request.tables { throw PatchError(error) }
      return nil
    }
    switch directory.weights {
    case .single(let file): return FolderWeights(files: [file], index: nil)
    case .unindexed(let files): return FolderWeights(files: files, index: nil)
    case .sharded(let set): return FolderWeights(files: set.shards, index: set.index)
    case nil:
      if request.tables {
        throw PatchError(
          .missingKey, path: folder, key: "--tables",
          "the folder has no safetensors weights to hold the table")
      }
      return nil
    }
  }

  /// The record an earlier `--tables` left in one of the files, with that file.
  static func previousRecord(in weights: FolderWeights) throws(PatchError) -> (
    record: BakedRoPE, file: SafetensorsFile
  )? {
    for file in weights.files {
      if let record = try bakedRecord(safetensors: file) { return (record, file) }
    }
    return nil
  }

  /// Adds the folder's tensor and `__metadata__` changes: the table (and the record) in the
  /// file that holds the first query projection, folded Q/K weights wherever they are, the
  /// index's `weight_map` entry for a new table.
  mutating func planFolderTables(
    _ weights: FolderWeights, previous: (record: BakedRoPE, file: SafetensorsFile)?,
    record: BakedRoPE?, tableBytes: [UInt8], path: String
  ) throws(PatchError) {
    let tableName = Self.huggingFaceTableName
    let holder =
      previous?.file
      ?? weights.files.first { file in
        file.tensors.contains { AttentionFolding.isQueryKeyProjection($0.name) }
      } ?? weights.files[0]
    let factor = Self.weightFactor(from: previous?.record, to: record)
    var result: [ShardChange] = []
    var delta = 0
    for file in weights.files {
      var tensorChanges = try Self.foldingChanges(factor, tensors: file.tensors, path: file.path)
      var metadata = file.metadata ?? []
      metadata.removeAll { $0.key == BakedRoPE.metadataKey }
      let existing = file.tensor(named: tableName)
      if file.path == holder.path, let record {
        metadata.append((BakedRoPE.metadataKey, record.json))
        if existing.map({ file.file.bytes(in: $0.byteRange) }) != tableBytes {
          delta += tableBytes.count - (existing?.byteCount ?? 0)
          tensorChanges.append(
            TensorChange(
              name: tableName, action: existing == nil ? .add(tableBytes) : .replace(tableBytes),
              dtype: .f32, shape: [record.pairCount]))
        }
      } else if let existing {
        delta -= existing.byteCount
        tensorChanges.append(
          TensorChange(
            name: tableName, action: .remove, dtype: existing.dtype, shape: existing.shape))
      }
      let oldMetadata = file.metadata ?? []
      let metadataChanged =
        oldMetadata.count != metadata.count
        || zip(oldMetadata, metadata).contains { $0.key != $1.key || $0.value != $1.value }
      if metadataChanged || !tensorChanges.isEmpty {
        result.append(
          ShardChange(
            file: file, metadata: metadata.isEmpty && file.metadata == nil ? nil : metadata,
            tensorChanges: tensorChanges))
      }
    }
    shardChanges = result
    baked = record
    if let index = weights.index {
      let holderName = AtomicFileWriter.split(holder.path).name
      var entries = index.weightMap.filter { $0.tensor != tableName }
      if record != nil { entries.append((tableName, holderName)) }
      if entries.count != index.weightMap.count
        || zip(entries, index.weightMap).contains(where: { $0 != $1 })
      {
        indexReplacement = try Self.indexText(index, weightMap: entries, sizeChange: delta)
      }
    }
  }

  /// The index JSON with a new `weight_map` and `total_size`, other members kept.
  static func indexText(
    _ index: SafetensorsIndex, weightMap: [(tensor: String, shard: String)], sizeChange: Int
  ) throws(PatchError) -> [UInt8] {
    let text: String
    do {
      let file = try MappedFile(path: index.path)
      text = String(decoding: file.bytes(in: 0..<file.count), as: UTF8.self)
    } catch { throw PatchError(FormatError(error)) }
    var root: JSONObject
    do { root = try JSONValue.parse(text, path: index.path).object ?? JSONObject() } catch {
      throw PatchError(error)
    }
    if var metadata = root["metadata"]?.object, let total = metadata["total_size"]?.number?.int {
      metadata["total_size"] = .integer(total + sizeChange)
      root["metadata"] = .object(metadata)
    }
    root["weight_map"] = .object(
      JSONObject(
        weightMap.sorted { $0.tensor.utf8.lexicographicallyPrecedes($1.tensor.utf8) }.map {
          (key: $0.tensor, value: JSONValue.string($0.shard))
        }))
    return Array((JSONValue.object(root).serialized(.pretty) + "\n").utf8)
  }
}
