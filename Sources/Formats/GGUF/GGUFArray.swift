public import Tensors

/// A GGUF array value: its element type, its length and its elements.
///
/// Arrays read from a file that hold scalars or strings stay in the mapped file and are decoded
/// element by element when iterated, so opening a model with a 150k-entry vocabulary costs one
/// validating pass over those bytes and no per-element allocation. Arrays built in memory, and
/// arrays of arrays, hold their elements.
public struct GGUFArray: Sendable, Sequence {
  /// The type of every element.
  public let elementType: GGUFValueType
  /// The number of elements.
  public let count: Int
  let storage: Storage

  enum Storage: Sendable {
    case values([GGUFValue])
    /// `count` validated elements encoded with `endianness` in `range` of `file`.
    case mapped(MappedFile, Range<Int>, Endianness)
  }

  /// An array held in memory; every element must be of `elementType`.
  public init(_ elementType: GGUFValueType, _ elements: [GGUFValue]) {
    self.elementType = elementType
    self.count = elements.count
    self.storage = .values(elements)
  }

  init(
    _ elementType: GGUFValueType, count: Int, file: MappedFile, range: Range<Int>,
    _ order: Endianness
  ) {
    self.elementType = elementType
    self.count = count
    self.storage = .mapped(file, range, order)
  }

  /// Whether the array has no elements.
  public var isEmpty: Bool { count == 0 }

  /// All elements, decoded.
  public var elements: [GGUFValue] {
    if case .values(let values) = storage { return values }
    return Array(self)
  }

  /// The first `n` elements (fewer if the array is shorter), decoding only those.
  public func first(_ n: Int) -> [GGUFValue] {
    if case .values(let values) = storage { return Array(values.prefix(n)) }
    return Array(prefix(n))
  }

  /// Where the encoded elements lie in a file, for arrays read from one.
  public var encodedRange: (file: MappedFile, range: Range<Int>, endianness: Endianness)? {
    if case .mapped(let file, let range, let order) = storage { return (file, range, order) }
    return nil
  }

  public func makeIterator() -> Iterator {
    Iterator(array: self)
  }

  /// Decodes elements one at a time.
  public struct Iterator: IteratorProtocol {
    let array: GGUFArray
    var index = 0
    var position: Int

    init(array: GGUFArray) {
      self.array = array
      if case .mapped(_, let range, _) = array.storage {
        position = range.lowerBound
      } else {
        position = 0
      }
    }

    public mutating func next() -> GGUFValue? {
      guard index < array.count else { return nil }
      defer { index += 1 }
      switch array.storage {
      case .values(let values):
        return values[index]
      case .mapped(let file, _, let order):
        let reader = ByteReader(file: file, offset: position, endianness: order)
        let (value, size) = GGUFArray.decode(array.elementType, at: position, reader)
        position += size
        return value
      }
    }
  }

  /// Decodes one already validated scalar or string at `offset`; returns it and its size.
  static func decode(_ type: GGUFValueType, at offset: Int, _ reader: ByteReader) -> (
    GGUFValue, Int
  ) {
    switch type {
    case .uint8: return (.uint8(reader.getInteger(at: offset) ?? 0), 1)
    case .int8: return (.int8(reader.getInteger(at: offset) ?? 0), 1)
    case .uint16: return (.uint16(reader.getInteger(at: offset) ?? 0), 2)
    case .int16: return (.int16(reader.getInteger(at: offset) ?? 0), 2)
    case .uint32: return (.uint32(reader.getInteger(at: offset) ?? 0), 4)
    case .int32: return (.int32(reader.getInteger(at: offset) ?? 0), 4)
    case .uint64: return (.uint64(reader.getInteger(at: offset) ?? 0), 8)
    case .int64: return (.int64(reader.getInteger(at: offset) ?? 0), 8)
    case .float32: return (.float32(reader.getFloat(at: offset) ?? 0), 4)
    case .float64: return (.float64(reader.getDouble(at: offset) ?? 0), 8)
    case .bool: return (.bool((reader.getInteger(at: offset, as: UInt8.self) ?? 0) != 0), 1)
    case .string:
      let length = Int(truncatingIfNeeded: reader.getInteger(at: offset, as: UInt64.self) ?? 0)
      switch reader.getString(at: offset + 8, count: length) {
      case .valid(let text): return (.string(text), 8 + length)
      case .invalid(let bytes): return (.rawString(bytes), 8 + length)
      case nil: return (.string(""), 8)
      }
    case .array:
      return (.array(GGUFArray(.uint8, [])), 12)
    }
  }
}

extension GGUFArray: Equatable {
  public static func == (lhs: GGUFArray, rhs: GGUFArray) -> Bool {
    guard lhs.elementType == rhs.elementType, lhs.count == rhs.count else { return false }
    if case .mapped(let a, let ra, let oa) = lhs.storage,
      case .mapped(let b, let rb, let ob) = rhs.storage,
      a === b, ra == rb, oa == ob
    {
      return true
    }
    return zip(lhs, rhs).allSatisfy { $0 == $1 }
  }
}
