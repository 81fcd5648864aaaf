/// A byte count written the way both peers' size options are: llama.cpp's `--split-max-size`
/// (`2G`: a whole number and `K`, `M` or `G`, powers of 1000) and transformers'
/// `max_shard_size` (`5GB`, `500MB` powers of 1000; `2GiB` powers of 1024), any letter case,
/// a plain number meaning bytes. Decimals are allowed before a unit larger than a byte (`1.5GB`); the count must
/// be at least 1 byte and below 2⁶³.
public struct DataSize: Sendable, Equatable, CustomStringConvertible {
  public var byteCount: Int

  public init(byteCount: Int) { self.byteCount = byteCount }

  /// Parses `text`; nil when it is not a size of at least 1 byte.
  public init?(_ text: String) {
    let units: [(suffix: String, scale: Double)] = [
      ("KIB", 0x1p10), ("MIB", 0x1p20), ("GIB", 0x1p30), ("TIB", 0x1p40),
      ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12),
      ("K", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("B", 1),
    ]
    let upper = text.uppercased()
    let unit = units.first { upper.hasSuffix($0.suffix) } ?? ("", 1)
    let number = upper.dropLast(unit.suffix.count)
    guard !number.isEmpty,
      number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
      number.first != ".", number.last != ".", unit.scale > 1 || !number.contains("."),
      let value = Double(number)
    else { return nil }
    let bytes = (value * unit.scale).rounded(.down)
    guard bytes >= 1, bytes < 0x1p63 else { return nil }
    byteCount = Int(bytes)
  }

  public var description: String { "\(byteCount) bytes" }
}
