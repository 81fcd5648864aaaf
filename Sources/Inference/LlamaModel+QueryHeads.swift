extension LlamaModel {
  /// Runs `body` for every (query, head) of an attention over all threads and returns the
  /// output rows (`queryCount × Q`).
  ///
  /// `body` gets the query row index, the head, the head's query, the first key and value of
  /// its KV head (rows `Q/heads`… apart: ``LlamaConfiguration/keyValueLength``), where its
  /// output goes, and `scratch` floats of its thread's scratch space.
  static func perQueryHead(
    q: [Float], k: [Float], v: [Float], queryCount: Int, configuration c: LlamaConfiguration,
    scratch: Int = 0,
    _ body: (
      _ row: Int, _ head: Int, _ query: UnsafePointer<Float>, _ keys: UnsafePointer<Float>,
      _ values: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
      _ scratch: UnsafeMutablePointer<Float>
    ) -> Void
  ) -> [Float] {
    let d = c.headDimension
    let heads = c.headCount
    let group = c.headCount / c.keyValueHeadCount
    var output = [Float](repeating: 0, count: queryCount * c.queryLength)
    q.withUnsafeBufferPointer { qBuffer in
      k.withUnsafeBufferPointer { kBuffer in
        v.withUnsafeBufferPointer { vBuffer in
          output.withUnsafeMutableBufferPointer { outBuffer in
            guard let qb = qBuffer.baseAddress, let kb = kBuffer.baseAddress,
              let vb = vBuffer.baseAddress, let ob = outBuffer.baseAddress
            else { return }
            nonisolated(unsafe) let qs = qb
            nonisolated(unsafe) let ks = kb
            nonisolated(unsafe) let vs = vb
            nonisolated(unsafe) let os = ob
            let items = queryCount * heads
            let chunks = max(1, min(items, WeightMatrix.workerCount * 4))
            Parallelism.perform(iterations: chunks) { chunk in
              let space = UnsafeMutablePointer<Float>.allocate(capacity: max(scratch, 1))
              defer { space.deallocate() }
              // Every chunks-th item: a causal row's cost grows with its position, so
              // contiguous ranges would leave the last (dearest) chunk running alone.
              for item in Swift.stride(from: chunk, to: items, by: chunks) {
                let row = item / heads
                let head = item % heads
                let kvOffset = (head / group) * d
                body(
                  row, head, qs + row * c.queryLength + head * d, ks + kvOffset, vs + kvOffset,
                  os + row * c.queryLength + head * d, space)
              }
            }
          }
        }
      }
    }
    return output
  }
}
