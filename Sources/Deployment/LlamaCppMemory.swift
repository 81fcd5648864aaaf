import Models
import RoPE
public import Tensors

/// What llama.cpp's CPU backend allocates to run a model: weights, KV cache, compute and
/// output buffers, each with the formula it follows.
///
/// From llama.cpp as vendored in llama-cpp-python 0.3.36 (commit 0c1e570): the context is
/// sized in `llama_context` (src/llama-context.cpp 246–305), the cache in `llama_kv_cache`
/// (src/llama-kv-cache.cpp 84–302), the weights by the model loader
/// (src/llama-model-loader.cpp 1449–1464). With `P` sequences, `pad(x) = ⌈x / 256⌉ · 256`:
///
/// ```
/// n_ctx      = pad(context)                          // context defaults to context_length
/// n_ctx_seq  = unified ? n_ctx : pad(n_ctx / P)      // cells per stream
/// streams    = unified ? 1 : P
/// K bytes    = layers · row(type_k, head_dim_k · kv_heads) · n_ctx_seq · streams
/// V bytes    = layers · row(type_v, head_dim_v · kv_heads) · n_ctx_seq · streams
/// output     = 4 · n_vocab · P                       // F32 logits of one token per sequence
/// weights    = mapped: last tensor end − first tensor start, per file
///              loaded: Σ pad32(tensor bytes)
/// ```
///
/// `row(t, n)` is ggml's `ggml_row_size`: `n / block_size(t) · type_size(t)`. The compute
/// buffer is the allocator's high-water mark over the worst-case batch graph, which only a
/// replay of ggml-alloc reproduces exactly; ``computeBytes`` is the estimate of
/// `docs/memory.md` (within 5 % of what llama.cpp printed for SmolLM2 at 2k–128k tokens).
public struct LlamaCppMemory: Hashable, Sendable {
  /// What the user asks llama.cpp for (its flags: `-c`, `-ctk`/`-ctv`, `-fa`, `-b`, `-ub`,
  /// `-np`, `-kvu`, `--no-mmap`).
  public struct Options: Hashable, Sendable {
    /// `-c`; `nil` or 0 is the model's context length. At most ``Formats/Limits/contextTokens``.
    public var context: Int?
    public var keyCacheType: DType = .f16
    public var valueCacheType: DType = .f16
    /// `-fa`: llama.cpp's `auto` is on for the CPU backend.
    public var flashAttention = true
    public var batch = 2048
    public var microBatch = 512
    public var sequences = 1
    public var unifiedCache = false
    public var mapped = true

    public init() {}
  }

  /// Why llama.cpp refuses a request before allocating.
  public enum Refusal: Error, Hashable, Sendable, CustomStringConvertible {
    /// A quantized V cache without flash attention (`llama_init_from_model`).
    case quantizedValueCacheNeedsFlashAttention
    /// A cache type llama.cpp cannot hold (not f32, f16, bf16 or a block type whose blocks
    /// divide the head size).
    case unsupportedCacheType(DType)

    public var description: String {
      switch self {
      case .quantizedValueCacheNeedsFlashAttention:
        "llama.cpp refuses: quantized V cache requires flash_attn to be enabled"
          + " (llama_init_from_model)"
      case .unsupportedCacheType(let type):
        "a \(type.name) cache cannot hold rows of this model's head size"
      }
    }
  }

  public var options: Options
  /// `n_ctx` after padding, and per stream.
  public var contextLength: Int
  public var cellsPerStream: Int
  public var streams: Int
  /// `n_batch`, `n_ubatch` after clamping to the context; the reserved graph's tokens.
  public var batch: Int
  public var microBatch: Int
  public var reservedTokens: Int
  public var keyBytes: Int
  public var valueBytes: Int
  public var weightBytes: Int
  public var outputBytes: Int
  public var computeBytes: Int

  public var cacheBytes: Int { keyBytes + valueBytes }
  public var totalBytes: Int { weightBytes + cacheBytes + computeBytes + outputBytes }

  /// Sizes everything for `shape` with `weightBytes` of weights (mapped or loaded as
  /// `options.mapped` says; see ``weightBytes(tensors:mapped:)``).
  ///
  /// - Throws: ``Refusal`` where llama.cpp refuses the request.
  public init(shape: ModelShape, weightBytes: Int, options: Options) throws(Refusal) {
    if options.valueCacheType.isQuantized && !options.flashAttention {
      throw .quantizedValueCacheNeedsFlashAttention
    }
    self.options = options
    let sequences = max(options.sequences, 1)
    var context = Self.pad(options.context.flatMap { $0 > 0 ? $0 : nil } ?? shape.contextLength)
    if options.unifiedCache {
      cellsPerStream = context
      streams = 1
    } else {
      cellsPerStream = Self.pad(context / sequences)
      context = cellsPerStream * sequences
      streams = sequences
    }
    contextLength = context
    batch = min(context, options.batch)
    microBatch = min(batch, options.microBatch)
    let keyRow = options.keyCacheType.byteCount(
      elements: shape.keyHeadDimension * shape.keyValueHeadCount)
    let valueRow = options.valueCacheType.byteCount(
      elements: shape.valueHeadDimension * shape.keyValueHeadCount)
    guard let keyRow else { throw .unsupportedCacheType(options.keyCacheType) }
    guard let valueRow else { throw .unsupportedCacheType(options.valueCacheType) }
    let cells = cellsPerStream * streams
    keyBytes = shape.layerCount * keyRow * cells
    valueBytes = shape.layerCount * valueRow * cells
    self.weightBytes = weightBytes
    outputBytes = 4 * shape.vocabularySize * sequences
    reservedTokens = (microBatch + sequences - 1) / sequences * sequences
    computeBytes = Self.computeEstimate(
      shape: shape, tokens: reservedTokens, outputs: min(reservedTokens, batch),
      cells: cellsPerStream, streams: streams, options: options)
  }

  /// `GGML_PAD(x, 256)`.
  static func pad(_ value: Int) -> Int { (value + 255) / 256 * 256 }

  /// `GGML_PAD(x, 32)`: every allocation of ggml-alloc.
  static func pad32(_ value: Int) -> Int { (value + 31) / 32 * 32 }

  /// The compute buffer of the worst-case batch graph (`T` tokens, `O` outputs, `C` cells per
  /// stream, `S` streams, `T_S = ⌊T/S⌋·S`), as the largest of the three peaks ggml-alloc
  /// reaches in the llama graph:
  ///
  /// ```
  /// E = 4·n_embd·T   E_O = 4·n_embd·O   F = 4·n_ff·T   L = 4·n_vocab·O
  /// M = C·T_S·(FA ? 2 : 4)                                  // the KQ mask
  /// I = 4T + E + 4T + 8T + (FA ? 8T : 8T·n_embd_v_gqa) + M + 4·O + 16384·(quantized sides)
  /// logits = 4T + E + E_O + L
  /// ffn    = I + 3E + 3F
  /// kq     = I + 4E + 4·C·T_S·n_head                        // without flash attention
  /// ```
  ///
  /// each term `pad32`'d. It leaves out the CPU backend's per-graph work buffer, which is
  /// allocated at compute time.
  static func computeEstimate(
    shape: ModelShape, tokens t: Int, outputs o: Int, cells c: Int, streams s: Int,
    options: Options
  ) -> Int {
    let flash = options.flashAttention
    let tokensPerStream = t / s * s
    let e = pad32(4 * shape.embeddingLength * t)
    let eOut = pad32(4 * shape.embeddingLength * o)
    let f = pad32(4 * shape.feedForwardLength * t)
    let logits = pad32(4 * shape.vocabularySize * o)
    let mask = pad32(c * tokensPerStream * (flash ? 2 : 4))
    let valueIndices =
      flash ? pad32(8 * t) : pad32(8 * t * shape.valueHeadDimension * shape.keyValueHeadCount)
    let rotations = [options.keyCacheType, options.valueCacheType].filter(\.isQuantized).count
    let inputs =
      pad32(4 * t) + e + pad32(4 * t) + pad32(8 * t) + valueIndices + mask + pad32(4 * o)
      + rotations * pad32(4 * 64 * 64)
    var peak = max(pad32(4 * t) + e + eOut + logits, inputs + 3 * e + 3 * f)
    if !flash {
      peak = max(peak, inputs + 4 * e + pad32(4 * c * tokensPerStream * shape.headCount))
    }
    return peak
  }

  /// The weights llama.cpp holds for tensors at these byte ranges: with mmap, per file, the
  /// span from the first tensor's start to the last one's end; loaded, each tensor's bytes
  /// rounded up to 32.
  public static func weightBytes(tensors: [(file: String, range: Range<Int>)], mapped: Bool)
    -> Int
  {
    guard mapped else { return tensors.reduce(0) { $0 + pad32($1.range.count) } }
    let files = Dictionary(grouping: tensors, by: \.file)
    return files.values.reduce(0) { total, ranges in
      let start = ranges.map(\.range.lowerBound).min() ?? 0
      let end = ranges.map(\.range.upperBound).max() ?? 0
      return total + (end - start)
    }
  }
}

extension LlamaCppMemory {
  /// `bytes` in MiB as llama.cpp prints them: `%.2f` of `bytes / 1024.0 / 1024.0` (buffer
  /// lines), or of the Float `(float)bytes / (1024.0f * 1024.0f)` (the `llama_kv_cache:
  /// size =` line); printf rounds halves to even (95.625 → "95.62").
  public static func mebibytes(_ bytes: Int, singlePrecision: Bool = false) -> String {
    let value =
      singlePrecision
      ? Double(Float(bytes) / (1024 * 1024)) : Double(bytes) / 1024 / 1024
    return NumberText.fixed(value, decimals: 2)
  }
}

extension LlamaCppMemory {
  /// What a new context costs in llama.cpp's default KV cache (f16, one sequence), for the
  /// line `stamp` and `rope` print: `KV cache (llama.cpp, f16): 180.00 MiB at 8192 tokens →
  /// 720.00 MiB at 32768`; `nil` when the contexts are the same or unknown.
  public static func contextChange(shape: ModelShape, from old: Int?, to new: Int?) -> String? {
    guard let old, let new, old != new, old > 0, new > 0 else { return nil }
    func cache(_ context: Int) -> Int? {
      var options = Options()
      options.context = context
      return try? LlamaCppMemory(shape: shape, weightBytes: 0, options: options).cacheBytes
    }
    guard let before = cache(old), let after = cache(new) else { return nil }
    return "KV cache (llama.cpp, f16): \(mebibytes(before)) MiB at \(old) tokens →"
      + " \(mebibytes(after)) MiB at \(new)"
  }

  /// ``contextChange(shape:from:to:)`` for the model at `path`, `nil` when its shape cannot
  /// be read (a bare safetensors file, an architecture Spindle does not describe).
  public static func contextChange(modelAt path: String, from old: Int?, to new: Int?) -> String? {
    guard let header = try? ModelHeader(path: path) else { return nil }
    return contextChange(shape: ModelShape(header: header), from: old, to: new)
  }
}
