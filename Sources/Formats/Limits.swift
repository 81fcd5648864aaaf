/// Every cap on what a file's content can make Spindle allocate or recurse into, in one place.
///
/// A count, length or depth read from a file is checked against the bytes that exist after it
/// and against its cap here before anything is sized by it, so a crafted or sparse file that
/// declares gigabytes costs a few reads and a located error, never the memory it declares.
/// The caps taken from a reference loader keep its value (named beside each); the others are
/// Spindle's own, set far above any published checkpoint (the largest have a few thousand
/// tensors, a few hundred keys, vocabularies of 256k tokens and tokenizer.json files of 35 MB).
public enum Limits {
  // MARK: safetensors

  /// The longest safetensors header (the Rust crate's `MAX_HEADER_SIZE`).
  public static let safetensorsHeaderBytes = 100_000_000

  // MARK: GGUF

  /// The longest GGUF string (gguf.cpp's `GGUF_MAX_STRING_LENGTH`, 1 GiB).
  public static let ggufStringBytes = 1 << 30
  /// The most elements of one GGUF array (gguf.cpp's `GGUF_MAX_ARRAY_ELEMENTS`, 2^30).
  public static let ggufArrayElements = 1 << 30
  /// The deepest nesting of GGUF arrays (llama.cpp PR #28880's `GGUF_MAX_ARRAY_NESTING`).
  public static let ggufArrayNesting = 16
  /// Bytes of a tensor name plus its NUL (ggml's `GGML_MAX_NAME`).
  public static let ggufTensorNameBytes = 64
  /// The most dimensions of a tensor (ggml's `GGML_MAX_DIMS`).
  public static let ggufDimensions = 4
  /// The most tensor infos in one GGUF header (Spindle's; gguf.cpp bounds them by the file).
  public static let ggufTensors = 1 << 20
  /// The most key-value pairs in one GGUF header (Spindle's; gguf.cpp bounds them by the file).
  public static let ggufKeyValues = 1 << 20
  /// Elements of arrays of arrays held in memory over one header (Spindle's; arrays of scalars
  /// and strings stay in the mapping and cost nothing, gguf.cpp rejects arrays of arrays).
  public static let ggufNestedArrayElements = 1 << 20
  /// Bytes of keys, tensor names and STRING values copied out of one header (Spindle's;
  /// strings inside arrays stay in the mapping and do not count).
  public static let ggufHeaderTextBytes = 256 << 20

  // MARK: JSON (config.json, tokenizer files, sharded indexes, safetensors headers)

  /// The deepest nesting of JSON arrays and objects, in Spindle's scanner and in json-c's
  /// tokener (`json_tokener_new_ex(depth)`).
  public static let jsonDepth = 64
  /// The largest JSON document parsed.
  public static let jsonDocumentBytes = 256 << 20
  /// The most JSON values (scalars, arrays, objects, keys) in one document: bounds what
  /// json-c allocates, about 100 bytes a value, whatever the text's density.
  public static let jsonValues = 1 << 23

  // MARK: Vocabularies

  /// The most tokens (or merges) in a vocabulary: config.json's `vocab_size` and the tokens
  /// of tokenizer.json or tokenizer.model when converting, `tokenizer.ggml.tokens` and
  /// `tokenizer.ggml.merges` when loading a GGUF tokenizer (each string is copied out).
  public static let vocabularyTokens = 1 << 22

  // MARK: Hyperparameters (what sizes the rotary tables and the forward pass's buffers)

  /// The longest context, in tokens (`context_length`, `max_position_embeddings` and the
  /// original context): the largest published is Llama 4 Scout's 10,485,760.
  public static let contextTokens = 1 << 24
  /// The most layers (`block_count`, `num_hidden_layers`): published models have at most 126.
  public static let layers = 1 << 12
  /// The most attention heads, query or key-value: published models have at most 128.
  public static let attentionHeads = 1 << 12
  /// The widest head (`attention.key_length`, `head_dim`, the rotated dimensions): it sizes
  /// the rotary tables; published heads are a few hundred wide.
  public static let headDimension = 1 << 14
  /// The widest hidden state (`embedding_length`, `hidden_size`): published models reach 18,432.
  public static let embeddingLength = 1 << 18
  /// The widest feed-forward layer (`feed_forward_length`, `intermediate_size`): published
  /// models reach 73,728.
  public static let feedForwardLength = 1 << 20

  // MARK: zstd

  /// The largest zstd window accepted when decompressing, as a power of two (zstd's own
  /// default, `ZSTD_WINDOWLOG_LIMIT_DEFAULT`, set explicitly): a frame that declares more
  /// is refused before its window is allocated.
  public static let zstdWindowLog = 27
}
