import Inference
import Testing
import Verification

@Test func opensTinyLlama() throws {
  let checkpoint = try LlamaCheckpoint(gguf: "fixtures/gguf/tiny-llama.gguf")
  let model = try checkpoint.model()
  let logits = try model.logits(tokens: [1, 2, 3])
  #expect(logits.count == 3)
}
