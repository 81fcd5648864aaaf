import Formats
import FuzzSupport

/// The sharded-checkpoint logic: safetensors indexes and GGUF split sets.
///
/// A `model.safetensors.index.json` (the input after its first
/// byte) beside the committed three-shard fixture, or a GGUF split set of one to three shards
/// cut from the input. A shard named by an index never leaves the index's folder.
@_cdecl("FuzzShards_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
  runLibFuzzer(argc, argv, testOneInput)
}

/// A copy of fixtures/safetensors/sharded's shards, made once.
let shardedFolder: String = {
  let folder = FuzzScratch.fresh("sharded")
  for number in 1...3 {
    let name = "model-0000\(number)-of-00003.safetensors"
    FuzzScratch.write(
      FuzzScratch.read(FuzzFixtures.path("safetensors/sharded/\(name)")), to: "\(folder)/\(name)")
  }
  return folder
}()

@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  var input = FuzzInput(inputBytes(data, size))
  if input.byte() & 1 == 0 {
    safetensorsIndex(input.rest)
  } else {
    ggufSplitSet(&input)
  }
  return 0
}

func safetensorsIndex(_ json: [UInt8]) {
  let indexPath = "\(shardedFolder)/\(SafetensorsIndex.fileName)"
  FuzzScratch.write(json, to: indexPath)
  guard let sharded = try? ShardedSafetensors(path: shardedFolder, verify: false) else { return }
  for shard in sharded.index.shards
  where shard.hasPrefix("/") || shard.split(separator: "/").contains("..") {
    violation("the index names a shard outside its folder: \(shard)")
  }
  for problem in sharded.problems() { _ = problem.description }
  for shard in sharded.shards where !shard.path.hasPrefix(shardedFolder + "/") {
    violation("opened a shard outside the index's folder: \(shard.path)")
  }
  _ = Checkpoint(sharded: sharded, path: shardedFolder)
  _ = try? ShardedSafetensors(path: indexPath, verify: true)
}

/// Shard count 1…3 from a byte, then 2-byte little-endian lengths of all shards but the last.
func ggufSplitSet(_ input: inout FuzzInput) {
  let count = 1 + Int(input.byte() % 3)
  var lengths: [Int] = []
  for _ in 1..<count { lengths.append(Int(input.byte()) | Int(input.byte()) << 8) }
  var rest = input.rest[...]
  let folder = FuzzScratch.fresh("split")
  var first = ""
  for number in 1...count {
    let length = number == count ? rest.count : min(lengths[number - 1], rest.count)
    let path = GGUFSplitSet.shardPath(prefix: "\(folder)/model", number: number, of: count)
    if number == 1 { first = path }
    FuzzScratch.write(Array(rest.prefix(length)), to: path)
    rest = rest.dropFirst(length)
  }
  guard let parsed = GGUFSplitSet.parseName(first), parsed.number == 1, parsed.count == count
  else { violation("\(first) does not read back as shard 1 of \(count)") }
  guard let set = try? GGUFSplitSet(path: first) else { return }
  if set.shards.count != count { violation("\(set.shards.count) shards opened, \(count) written") }
  for problem in set.problems() { _ = problem.description }
  _ = set.tensors
  _ = Checkpoint(gguf: set, path: first)
}
