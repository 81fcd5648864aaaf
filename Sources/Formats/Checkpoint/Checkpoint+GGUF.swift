import Tensors

extension Checkpoint {
  /// The view of a GGUF split set (a single file is a set of one).
  public init(gguf set: GGUFSplitSet, path: String) {
    self.init(ggufShards: set.shards, path: path, setProblems: set.problems())
  }

  /// The view of GGUF shards in order; `setProblems` are the split-set bookkeeping problems.
  init(ggufShards shards: [GGUFFile], path: String, setProblems: [FormatError] = []) {
    let first = shards[0]
    let split = shards.count > 1
    self.init(
      path: path, layout: split ? .ggufSplit : .gguf, source: .gguf(shards), version: first.version,
      endianness: first.endianness, alignment: first.alignment,
      files: shards.map {
        FilePart(path: $0.path, byteCount: $0.file.count, headerByteCount: $0.dataOffset)
      },
      metadata: shards.enumerated().flatMap { index, shard in
        // Later shards carry only split bookkeeping: show the model's metadata once.
        shard.metadata.filter { index == 0 || !$0.key.hasPrefix("split.") }.map { entry in
          MetadataItem(
            source: split ? "shard \(index + 1)" : "gguf", key: entry.key,
            type: entry.value.typeName, summary: entry.value.summary()
          ) { entry.value.jsonValue }
        }
      },
      tensors: shards.flatMap(\.tensors),
      problems: shards.flatMap(\.problems) + setProblems)
    warnings = shards.flatMap(\.warnings)
  }
}
