import Foundation
import Quantization
import Tensors
import TestSupport

/// A recipe fixture written by fixtures/quantization/record_recipes.sh: models, and per
/// recipe the `general.file_type` and tensor types `llama-quantize` wrote.
struct RecordedRecipes: Decodable {
  struct Tensor: Decodable {
    var name: String
    var shape: [Int]
    var type: String
  }

  struct Outcome: Decodable {
    var fileType: UInt32
    var types: [String: String]
  }

  struct Model: Decodable {
    var architecture: String
    var blockCount: Int
    var headCount: Int
    var headCountKV: Int
    var expertCount: Int
    var tensors: [Tensor]
    var recipes: [String: Outcome]

    func recipeModel() throws -> RecipeModel {
      RecipeModel(
        architecture: architecture, blockCount: blockCount, headCount: headCount,
        headCountKV: headCountKV, expertCount: expertCount,
        tensors: try tensors.map {
          guard let type = DType(name: $0.type) else {
            throw RecordedRecipesError(message: "unknown type \($0.type) of \($0.name)")
          }
          return RecipeModel.Tensor(name: $0.name, shape: $0.shape, sourceType: type)
        })
    }

    /// `tensor: ours != recorded` for every tensor whose type differs from llama-quantize's.
    func mismatches(_ recipe: QuantizationRecipe) throws -> [String] {
      guard let outcome = recipes[recipe.name] else { return ["no recorded \(recipe.name)"] }
      let ours = try recipe.tensorTypes(for: recipeModel())
      var found: [String] = []
      for (tensor, type) in zip(tensors, ours) where outcome.types[tensor.name] != type.name {
        found.append("\(tensor.name): \(type.name) != \(outcome.types[tensor.name] ?? "missing")")
      }
      if outcome.types.count != tensors.count { found.append("recorded tensor count differs") }
      if ours.count != tensors.count {
        found.append("\(ours.count) types for \(tensors.count) tensors")
      }
      return found
    }
  }

  struct RecordedRecipesError: Error {
    var message: String
  }

  static func load(_ relative: String) throws -> [String: Model] {
    let data = try Data(contentsOf: URL(fileURLWithPath: Repository.fixture(relative)))
    return try JSONDecoder().decode([String: Model].self, from: data)
  }

  static let smolLM2 = Result { try load("quantization/recipes-smollm2.json") }
  static let architectures = Result { try load("quantization/recipes-architectures.json") }
  static let synthetic = Result { try load("quantization/recipes-synthetic.json") }
}
