import Formats

/// Files that are not checkpoints but get passed as one: what a failed download, a config
/// file or a PyTorch checkpoint looks like, byte for byte.
public enum ForeignFiles {
  /// An error page saved in place of a download.
  public static let html = Array(
    "<!DOCTYPE html>\n<html><head><title>404</title></head><body>Not Found</body></html>\n".utf8)

  /// Notes in plain text (its first 8 bytes read as a safetensors header length are
  /// 8031924123371070824, the number the readers used to report).
  public static let text = Array("hello world: these are notes, not a model\n".utf8)

  /// A Git LFS pointer, what a clone without `git lfs` leaves in place of the weights.
  public static let lfsPointer = Array(
    """
    version https://git-lfs.github.com/spec/v1
    oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393
    size 269060552

    """.utf8)

  /// A Hugging Face config.json.
  public static let config = Array(
    #"{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64}"#.utf8)

  /// The start of a tokenizer.json.
  public static let tokenizer = Array(
    #"{"version": "1.0", "truncation": null, "padding": null, "added_tokens": []}"#.utf8)

  /// The first bytes of a legacy PyTorch `.bin`: pickle protocol 2 storing torch's magic
  /// number (`pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2)`).
  public static let pickle: [UInt8] = [
    0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E,
  ]

  /// A zip archive holding `entries` stored uncompressed, laid out as `torch.save` lays out
  /// a checkpoint (`archive/data.pkl`, …): local headers, central directory, end record.
  public static func zip(_ entries: [(name: String, bytes: [UInt8])]) -> [UInt8] {
    func u16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
    func u32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(value >> (8 * $0) & 0xFF) } }
    var archive: [UInt8] = []
    var directory: [UInt8] = []
    for entry in entries {
      let name = Array(entry.name.utf8)
      let crc = CRC32.checksum(entry.bytes)
      let size = u32(UInt32(entry.bytes.count))
      let common = u16(20) + u16(0) + u16(0) + u16(0) + u16(0x21) + u32(crc) + size + size
      let offset = u32(UInt32(archive.count))
      archive += [0x50, 0x4B, 0x03, 0x04] + common + u16(name.count) + u16(0) + name + entry.bytes
      directory +=
        [0x50, 0x4B, 0x01, 0x02] + u16(20) + common + u16(name.count) + u16(0) + u16(0) + u16(0)
        + u16(0) + u32(0) + offset + name
    }
    let end =
      [0x50, 0x4B, 0x05, 0x06] + u16(0) + u16(0) + u16(entries.count) + u16(entries.count)
      + u32(UInt32(directory.count)) + u32(UInt32(archive.count)) + u16(0)
    return archive + directory + end
  }

  /// A zip shaped like a PyTorch checkpoint.
  public static let pytorchZip = zip([
    ("archive/data.pkl", pickle), ("archive/byteorder", Array("little".utf8)),
    ("archive/version", Array("3\n".utf8)),
  ])
}
