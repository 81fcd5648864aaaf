import Quantization
import Tensors
import Testing

@Suite("Quantization recipes")
struct QuantizationRecipeTests {
  static let architectureFixtures = [
    "gptneox", "gptneox-sequential", "llama", "phi3", "phi3-longrope", "qwen2", "qwen3",
  ]

  @Test(arguments: QuantizationRecipe.allCases)
  func smolLM2TypesMatchLlamaQuantize(_ recipe: QuantizationRecipe) throws {
    let model = try #require(try RecordedRecipes.smolLM2.get()["smollm2-f32"])
    #expect(model.tensors.count == 272)
    #expect(try model.mismatches(recipe) == [])
    #expect(model.recipes[recipe.name]?.fileType == recipe.fileType)
  }

  @Test(arguments: architectureFixtures, QuantizationRecipe.allCases)
  func architectureTypesMatchLlamaQuantize(_ name: String, _ recipe: QuantizationRecipe) throws {
    let model = try #require(try RecordedRecipes.architectures.get()[name])
    #expect(try model.mismatches(recipe) == [])
    #expect(model.recipes[recipe.name]?.fileType == recipe.fileType)
  }

  /// Rows of 256/512, rows no block fits, untied output, 8 GQA layers, 8 experts, falcon, 70B.
  @Test(
    arguments: ["falcon", "llama-8-experts", "llama-80-layers", "llama-gqa-untied"],
    QuantizationRecipe.allCases)
  func syntheticTypesMatchLlamaQuantize(_ name: String, _ recipe: QuantizationRecipe) throws {
    let model = try #require(try RecordedRecipes.synthetic.get()[name])
    #expect(try model.mismatches(recipe) == [])
    #expect(model.recipes[recipe.name]?.fileType == recipe.fileType)
  }

  @Test func fixturesCoverEveryArchitectureAndRecipe() throws {
    let models = try RecordedRecipes.architectures.get()
    #expect(models.keys.sorted() == Self.architectureFixtures)
    #expect(
      Set(models.values.map(\.architecture)) == ["gptneox", "llama", "phi3", "qwen2", "qwen3"])
    let synthetic = try RecordedRecipes.synthetic.get()
    #expect(
      synthetic.keys.sorted() == [
        "falcon", "llama-8-experts", "llama-80-layers", "llama-gqa-untied",
      ])
    let smolLM2 = try #require(RecordedRecipes.smolLM2.get()["smollm2-f32"])
    for model in Array(models.values) + Array(synthetic.values) + [smolLM2] {
      #expect(model.recipes.keys.sorted() == QuantizationRecipe.allCases.map(\.name).sorted())
    }
  }

  @Test(arguments: [
    ("q4_k_m", QuantizationRecipe.q4_K_M), ("Q4_K_M", .q4_K_M), ("Q4_K", .q4_K_M),
    ("q5_k", .q5_K_M), ("q4_K_s", .q4_K_S), ("Q8_0", .q8_0), ("bf16", .bf16), ("F32", .f32),
    ("15", .q4_K_M), ("7", .q8_0), ("32", .bf16),
  ])
  func parsesLlamaQuantizeNames(_ text: String, _ recipe: QuantizationRecipe) {
    #expect(QuantizationRecipe(name: text) == recipe)
  }

  @Test(arguments: ["q4_k_l", "Q2_K", "IQ4_XS", "COPY", "q4", "", "10", "-15"])
  func rejectsOtherNames(_ text: String) {
    #expect(QuantizationRecipe(name: text) == nil)
  }

  @Test func fileTypesAndDefaultTypes() {
    #expect(
      QuantizationRecipe.allCases.map { "\($0.name)=\($0.fileType):\($0.defaultType.name)" } == [
        "Q4_0=2:Q4_0", "Q4_1=3:Q4_1", "Q5_0=8:Q5_0", "Q5_1=9:Q5_1", "Q8_0=7:Q8_0",
        "Q4_K_S=14:Q4_K", "Q4_K_M=15:Q4_K", "Q5_K_S=16:Q5_K", "Q5_K_M=17:Q5_K", "Q6_K=18:Q6_K",
        "F16=1:F16", "BF16=32:BF16", "F32=0:F32",
      ])
  }

  /// Rows of 48 are not whole blocks of 32 either: llama.cpp writes F16.
  @Test func rowsThatFitNoBlockBecomeF16() throws {
    let model = RecipeModel(
      architecture: "llama", blockCount: 1, headCount: 2, headCountKV: 2,
      tensors: [
        .init(name: "blk.0.ffn_up.weight", shape: [48, 64]),
        .init(name: "blk.0.ffn_down.weight", shape: [64, 48]),
        .init(name: "blk.0.ffn_gate.weight", shape: [96, 64]),
      ])
    #expect(try QuantizationRecipe.q4_K_M.tensorTypes(for: model) == [.f16, .q8_0, .q5_0])
    #expect(try QuantizationRecipe.q4_0.tensorTypes(for: model) == [.f16, .q4_0, .q4_0])
  }

  /// Eight experts raise attn_v and attn_k to Q8_0 and attn_output to Q5_K; the layer rules
  /// read the layer from the name.
  @Test func eightExperts() throws {
    let model = RecipeModel(
      architecture: "llama", blockCount: 2, headCount: 8, headCountKV: 8, expertCount: 8,
      tensors: [
        .init(name: "blk.0.attn_v.weight", shape: [256, 256]),
        .init(name: "blk.0.attn_k.weight", shape: [256, 256]),
        .init(name: "blk.0.attn_output.weight", shape: [256, 256]),
        .init(name: "blk.1.ffn_down_exps.weight", shape: [256, 256, 8]),
        .init(name: "blk.0.ffn_gate_inp.weight", shape: [256, 8]),
        .init(name: "output.weight", shape: [256, 100]),
      ])
    #expect(
      try QuantizationRecipe.q4_K_M.tensorTypes(for: model) == [
        .q8_0, .q8_0, .q5_K, .q6_K, .f32, .q6_K,
      ])
    var unnamed = model
    unnamed.tensors.append(.init(name: "ffn_down.weight", shape: [256, 256]))
    #expect(
      throws: QuantizationError(
        .tensorLayerUnknown, "cannot determine the layer of tensor ffn_down.weight")
    ) { try QuantizationRecipe.q4_K_S.tensorTypes(for: unnamed) }
  }

  /// Llama with 80 layers and grouped-query attention is llama.cpp's 70B: attn_v at Q4_K gets
  /// Q5_K.
  @Test func seventyBAttentionV() throws {
    let tensors = (0..<80).map {
      RecipeModel.Tensor(name: "blk.\($0).attn_v.weight", shape: [256, 32])
    }
    let gqa = RecipeModel(
      architecture: "llama", blockCount: 80, headCount: 64, headCountKV: 8, tensors: tensors)
    let types = try QuantizationRecipe.q4_K_M.tensorTypes(for: gqa)
    #expect(Set(types) == [.q5_K, .q6_K])
    #expect(types[11] == .q5_K && types[12] == .q6_K && types[9] == .q6_K)
    var mha = gqa
    mha.headCountKV = 64
    #expect(try Set(QuantizationRecipe.q4_K_M.tensorTypes(for: mha)) == [.q4_K, .q6_K])
  }
}
