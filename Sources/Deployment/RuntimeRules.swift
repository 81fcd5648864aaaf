/// How one runtime reads a rotary scaling from a Hugging Face config: which dict, which keys,
/// which defaults, and what it computes from them.
///
/// Each rule names the behaviour of the runtime's own code at the versions its ``Runtime``
/// covers (the catalog cites file and version); ``Runtime/reading(_:)`` applies them.
public struct RuntimeRules: Hashable, Sendable {
  /// Which of `rope_scaling` (transformers 4) and `rope_parameters` (transformers 5) is read.
  public enum ScalingDictionary: Hashable, Sendable {
    /// Only `rope_scaling`; a `rope_parameters` dict (and the `rope_theta` inside it) is never
    /// seen.
    case ropeScalingOnly
    /// `rope_scaling` when set, else `rope_parameters` (transformers 5 `convert_rope_params_to_dict`).
    case ropeScalingFirst
    /// `rope_parameters` when set, else `rope_scaling` (convert_hf_to_gguf's `ModelBase`).
    case ropeParametersFirst
  }

  /// Which spelling of the type wins when a dict has both `type` and `rope_type`.
  public enum TypeKey: Hashable, Sendable {
    case typeFirst, ropeTypeFirst
  }

  /// The original context `L` YaRN measures its correction range against.
  public enum OriginalContext: Hashable, Sendable {
    /// `max_position_embeddings`, whatever the dict says (transformers 4.45–4.50).
    case maxPositionEmbeddings
    /// The top-level or in-dict `original_max_position_embeddings`, else
    /// `max_position_embeddings` (transformers ≥ 4.51, vLLM on transformers 5).
    case declaredElseMaxPositionEmbeddings
    /// The in-dict key, and the reader fails without it (`KeyError`: vLLM on transformers 4,
    /// convert_hf_to_gguf).
    case required
  }

  /// `beta_fast` and `beta_slow`.
  public enum Betas: Hashable, Sendable {
    /// Python's `get(key) or default`: absent, null and 0 all become 32 and 1.
    case declaredOrDefault
    /// The declared values as given (0 stays 0); 32 and 1 when absent.
    case declared
    /// Always 32 and 1: the keys are not read (llama.cpp's llama architecture).
    case defaults
  }

  /// How the attention factor (the magnitude on cos and sin) is chosen for YaRN, with
  /// `g(s, m) = s <= 1 ? 1 : 0.1·m·ln(s) + 1`.
  public enum AttentionFactor: Hashable, Sendable {
    /// `attention_factor`, else `0.1·ln(s) + 1` (no `s <= 1` guard; mscale keys unread).
    case declaredElseLogarithm
    /// `attention_factor`, else `g(s, mscale) / g(s, mscale_all_dim)` when both are non-zero,
    /// else `g(s, 1)` (transformers ≥ 4.51, vLLM ≥ 0.30).
    case transformers
    /// `g(s, 1) · attn_factor` with vLLM's own `attn_factor` key (default 1); the
    /// transformers keys are unread (vLLM ≤ 0.29).
    case logarithmTimesAttnFactor
    /// `g(s, 1)`: llama.cpp recomputes it from the factor (`llama_context`), and
    /// convert_hf_to_gguf writes `attention_factor` to a key the llama architecture does not
    /// read.
    case logarithmOnly
  }

  /// The longest context the runtime serves without being told.
  public enum MaxContext: Hashable, Sendable {
    /// `max_position_embeddings` (transformers enforces nothing; llama.cpp's
    /// `context_length`, which convert_hf_to_gguf copies from it).
    case maxPositionEmbeddings
    /// vLLM ≤ 0.29 `_get_and_verify_max_len`: `original × factor` for type `yarn`,
    /// `max_position_embeddings × factor` for every other scaled type but `longrope` and
    /// `llama3` (so YaRN variants are multiplied twice).
    case vllmScaled
    /// vLLM ≥ 0.30: `max_position_embeddings` for the YaRN family, `× factor` for the others.
    case vllmReworked
  }

  /// How the runtime computes its inverse frequencies.
  public enum Numerics: Hashable, Sendable {
    /// torch: `base ** (arange(0, d, 2).float() / d)` in Float, the blend in Float.
    case torch
    /// ggml `rope_yarn`: `θ` by repeated Float multiplication, blended per pair.
    case ggml
  }

  public var scalingDictionary: ScalingDictionary
  public var typeKey: TypeKey
  public var originalContext: OriginalContext
  /// transformers 4.51–4.55: when the dict names `original_max_position_embeddings`, YaRN's
  /// factor becomes `max_position_embeddings / original` (transformers #38224).
  public var factorFromLengths: Bool
  /// transformers 5: a YaRN dict without `factor` takes `max_position_embeddings / original`;
  /// otherwise a missing factor stops the reader.
  public var missingFactorFromLengths: Bool
  public var betas: Betas
  public var attentionFactor: AttentionFactor
  /// Whether `truncate: false` is honoured; otherwise the correction range is always rounded.
  public var readsTruncate: Bool
  /// Whether vLLM's `extrapolation_factor` scales the kept share.
  public var readsExtrapolationFactor: Bool
  public var maxContext: MaxContext
  public var numerics: Numerics
  /// Type names read as YaRN besides `yarn` (vLLM's `deepseek_yarn`).
  public var yarnAliases: Set<String>
  /// `model_type`s whose model class ignores the scaling altogether (transformers 4.45's
  /// Mistral).
  public var unscaledModelTypes: Set<String>

  /// The dict keys this runtime reads for YaRN, besides the type and the factor.
  var yarnKeys: Set<String> {
    var keys: Set<String> = []
    if originalContext != .maxPositionEmbeddings { keys.insert("original_max_position_embeddings") }
    if betas != .defaults { keys.formUnion(["beta_fast", "beta_slow"]) }
    switch attentionFactor {
    case .declaredElseLogarithm: keys.insert("attention_factor")
    case .transformers: keys.formUnion(["attention_factor", "mscale", "mscale_all_dim"])
    case .logarithmTimesAttnFactor: keys.insert("attn_factor")
    case .logarithmOnly: break
    }
    if readsTruncate { keys.insert("truncate") }
    if readsExtrapolationFactor { keys.insert("extrapolation_factor") }
    return keys
  }
}
