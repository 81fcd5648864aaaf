extension GGUFWriter {
  /// The header, tensor infos and padding up to the data section.
  public func headerBytes() throws(FormatError) -> [UInt8] {
    guard reservedBytes >= 0, reservedBytes <= GGUFParser.maximumArrayCount else {
      throw FormatError(
        .invalidArgument, path: path, name: GGUFFile.reservedKey,
        "reserved space of \(reservedBytes) bytes is outside 0…2^30")
    }
    var entries = metadata
    if alignment != GGUFFile.defaultAlignment && !keys.contains("general.alignment") {
      entries.append(("general.alignment", .uint32(UInt32(alignment))))
    }
    if reservedBytes > 0 {
      entries.append(
        (GGUFFile.reservedKey, .array(.uint8, Array(repeating: .uint8(0), count: reservedBytes))))
    }
    var encoder = GGUFEncoder(endianness: endianness)
    encoder.bytes.append(contentsOf: GGUFFile.magic)
    encoder.append(UInt32(3))
    encoder.append(UInt64(pending.count))
    encoder.append(UInt64(entries.count))
    for (key, value) in entries {
      encoder.append(key)
      encoder.append(Int32(value.type.rawValue))
      encoder.append(value)
    }
    var offset = 0
    for tensor in pending {
      encoder.append(tensor.name)
      encoder.append(UInt32(tensor.ne.count))
      for dimension in tensor.ne { encoder.append(Int64(dimension)) }
      encoder.append(Int32(tensor.dtype.ggmlType ?? 0))
      encoder.append(UInt64(offset))
      let (next, overflow) = offset.addingReportingOverflow(
        GGUFParser.pad(tensor.byteCount, alignment))
      if overflow {
        throw FormatError(
          .shapeOverflow, path: path, name: tensor.name, "the data section size overflows")
      }
      offset = next
    }
    encoder.pad(to: alignment)
    return encoder.bytes
  }

  /// Writes the file: a temporary file in the destination's folder, fsync'd and renamed over
  /// `path`. On any failure nothing is left behind and an existing file is untouched.
  public func write() throws(FormatError) {
    _ = try write(progress: nil, check: nil)
  }

  /// The size of the file ``write()`` creates.
  public func fileByteCount() throws(FormatError) -> Int {
    try headerBytes().count + dataByteCount
  }

  /// The size of the data section: every tensor padded to the alignment.
  var dataByteCount: Int {
    pending.reduce(0) { $0 + GGUFParser.pad($1.byteCount, alignment) }
  }

  /// Writes the file as ``write()`` does, after checking that the destination's file system
  /// has room for it; `progress` hears the bytes written after each tensor, and `check` sees
  /// the complete temporary file (flushed, not yet renamed) and may refuse it by throwing.
  ///
  /// - Returns: the bytes copied in the kernel (`copy_file_range`).
  @discardableResult
  public func write(
    progress: ((_ written: Int, _ total: Int) -> Void)?,
    check: ((_ temporaryPath: String) throws(FormatError) -> Void)?
  ) throws(FormatError) -> Int {
    let output = try writeUncommitted(progress: progress, check: check)
    let copied = output.bytesCopiedInKernel
    try output.commit()
    return copied
  }

  /// Writes the file as ``write(progress:check:)`` does but stops before the rename: the
  /// returned writer holds the complete, fsync'd temporary file; the caller commits or aborts
  /// it (a split set renames its shards only once every one is written and checked).
  public func writeUncommitted(
    progress: ((_ written: Int, _ total: Int) -> Void)?,
    check: ((_ temporaryPath: String) throws(FormatError) -> Void)?
  ) throws(FormatError) -> AtomicFileWriter {
    let header = try headerBytes()
    let total = header.count + dataByteCount
    let output = try AtomicFileWriter(destination: path)
    do throws(FormatError) {
      if progress != nil || check != nil { try output.requireSpace(total) }
      try output.write(header)
      for tensor in pending {
        try tensor.data.write(to: output, name: tensor.name, path: path)
        try output.writeRepeating(
          0, count: GGUFParser.pad(tensor.byteCount, alignment) - tensor.byteCount)
        progress?(output.position, total)
      }
      if let check {
        try output.flush()
        try check(output.temporaryPath)
      }
      try output.sync()
      return output
    } catch {
      output.abort()
      throw error
    }
  }
}
