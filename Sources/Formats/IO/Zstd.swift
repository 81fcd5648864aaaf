internal import CZstd
public import Tensors

/// Streaming zstd compression and decompression of checkpoint files (libzstd).
///
/// Both directions stream in bounded memory (zstd's recommended buffer sizes), so a
/// multi-GB checkpoint never sits in memory. Frames carry a content checksum.
public enum Zstd {
  /// The 4 magic bytes that start a zstd frame.
  public static let magic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]

  /// Whether `file` starts with a zstd frame.
  public static func isCompressed(_ file: MappedFile) -> Bool {
    file.count >= 4 && file.bytes(in: 0..<4) == magic
  }

  /// Compresses all of `input` into `output` at `level` (1…19; 3 is zstd's default).
  public static func compress(
    _ input: MappedFile, into output: AtomicFileWriter, level: Int32 = 3, threads: Int32 = 0
  ) throws(FormatError) {
    guard let context = ZSTD_createCCtx() else {
      throw FormatError(.compression, path: input.path, "zstd could not allocate a context")
    }
    defer { ZSTD_freeCCtx(context) }
    try check(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level), input.path)
    try check(ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1), input.path)
    if threads > 0 { _ = ZSTD_CCtx_setParameter(context, ZSTD_c_nbWorkers, threads) }
    input.adviseSequential()
    let outBuffer = UnsafeMutableRawBufferPointer.allocate(
      byteCount: ZSTD_CStreamOutSize(), alignment: 16)
    defer { outBuffer.deallocate() }
    let chunk = ZSTD_CStreamInSize()
    var position = 0
    repeat {
      let end = min(position + chunk, input.count)
      let last = end == input.count
      let result = input.withUnsafeBytes(in: position..<end) { slice in
        Result { () throws(FormatError) in
          var inBuf = ZSTD_inBuffer(src: slice.baseAddress, size: slice.count, pos: 0)
          var finished = false
          while !finished {
            var outBuf = ZSTD_outBuffer(dst: outBuffer.baseAddress, size: outBuffer.count, pos: 0)
            let remaining = ZSTD_compressStream2(
              context, &outBuf, &inBuf, last ? ZSTD_e_end : ZSTD_e_continue)
            try check(remaining, input.path)
            try output.write(UnsafeRawBufferPointer(rebasing: outBuffer[0..<outBuf.pos]))
            finished = last ? remaining == 0 : inBuf.pos == inBuf.size
          }
        }
      }
      try result.get()
      position = end
    } while position < input.count
  }

  /// Decompresses `input`, handing each piece of output to `sink` in order.
  ///
  /// Memory stays bounded whatever a frame declares: output goes out in zstd's block-sized
  /// pieces, the declared content size sizes nothing, and a frame whose window is over
  /// ``Limits/zstdWindowLog`` is refused before its window is allocated.
  ///
  /// - Parameter limit: stop after this many output bytes (to read just a header).
  /// - Returns: the number of bytes produced.
  @discardableResult
  public static func decompress(
    _ input: MappedFile, limit: Int = .max,
    into sink: (UnsafeRawBufferPointer) throws(FormatError) -> Void
  ) throws(FormatError) -> Int {
    guard let context = ZSTD_createDCtx() else {
      throw FormatError(.compression, path: input.path, "zstd could not allocate a context")
    }
    defer { ZSTD_freeDCtx(context) }
    try check(
      ZSTD_DCtx_setParameter(context, ZSTD_d_windowLogMax, Int32(Limits.zstdWindowLog)), input.path)
    input.adviseSequential()
    let outBuffer = UnsafeMutableRawBufferPointer.allocate(
      byteCount: ZSTD_DStreamOutSize(), alignment: 16)
    defer { outBuffer.deallocate() }
    var produced = 0
    var lastHint = 0
    let result = input.withUnsafeBytes { all in
      Result { () throws(FormatError) in
        var inBuf = ZSTD_inBuffer(src: all.baseAddress, size: all.count, pos: 0)
        while produced < limit {
          let before = inBuf.pos
          var outBuf = ZSTD_outBuffer(dst: outBuffer.baseAddress, size: outBuffer.count, pos: 0)
          let hint = ZSTD_decompressStream(context, &outBuf, &inBuf)
          let count = outBuf.pos
          if ZSTD_isError(hint) != 0 {
            throw FormatError(
              .compression, path: input.path, offset: before,
              "zstd: \(String(cString: ZSTD_getErrorName(hint)))")
          }
          lastHint = hint
          let take = min(count, limit - produced)
          try sink(UnsafeRawBufferPointer(rebasing: outBuffer[0..<take]))
          produced += take
          let consumedAll = inBuf.pos == inBuf.size
          if consumedAll && hint == 0 { break }
          if consumedAll && count == 0 && inBuf.pos == before { break }
        }
      }
    }
    try result.get()
    if produced < limit && lastHint != 0 {
      throw FormatError(
        .compression, path: input.path, offset: input.count,
        "zstd stream is truncated (the last frame is incomplete)")
    }
    return produced
  }

  private static func check(_ code: Int, _ path: String) throws(FormatError) {
    if ZSTD_isError(code) != 0 {
      throw FormatError(
        .compression, path: path, "zstd: \(String(cString: ZSTD_getErrorName(code)))")
    }
  }
}
