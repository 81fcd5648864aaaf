import Deployment
import RoPE

/// `spindle memory --json`: llama.cpp's buffers and the bf16 Python runtimes, each line with
/// its bytes and formula.
struct MemoryDocument: Encodable {
  struct Line: Encodable {
    var name: String
    var bytes: Int
    var mib: String
    var estimate: Bool
    var formula: String
  }

  struct LlamaCpp: Encodable {
    var context: Int
    var contextPerSequence: Int
    var streams: Int
    var cacheTypeK: String
    var cacheTypeV: String
    var flashAttention: Bool
    var batch: Int
    var ubatch: Int
    var sequences: Int
    var mapped: Bool
    var lines: [Line]
    var totalBytes: Int
    var totalMib: String
    /// What a reader should know (a declared sliding window llama.cpp does not use).
    var notes: [String]
  }

  struct Python: Encodable {
    var context: Int
    var lines: [Line]
    /// Activations and runtime buffers are not modelled.
    var computeModelled = false
  }

  var path: String
  var llamaCpp: LlamaCpp
  var python: Python

  init(
    path: String, shape: ModelShape, llamaCpp memory: LlamaCppMemory, python: PythonRuntimeMemory
  ) {
    func line(_ line: MemoryLine) -> Line {
      Line(
        name: line.name, bytes: line.bytes, mib: LlamaCppMemory.mebibytes(line.bytes),
        estimate: line.isEstimate, formula: line.formula)
    }
    self.path = path
    llamaCpp = LlamaCpp(
      context: memory.contextLength, contextPerSequence: memory.cellsPerStream,
      streams: memory.streams, cacheTypeK: memory.options.keyCacheType.name.lowercased(),
      cacheTypeV: memory.options.valueCacheType.name.lowercased(),
      flashAttention: memory.options.flashAttention, batch: memory.batch,
      ubatch: memory.microBatch, sequences: max(memory.options.sequences, 1),
      mapped: memory.options.mapped, lines: memory.lines(shape: shape).map(line),
      totalBytes: memory.totalBytes, totalMib: LlamaCppMemory.mebibytes(memory.totalBytes),
      notes: memory.notes(shape: shape))
    self.python = Python(context: python.context, lines: python.lines(shape: shape).map(line))
  }

  var text: String {
    func rows(_ lines: [Line]) -> [[String]] {
      lines.map { [$0.name, ($0.estimate ? "≈ " : "") + "\($0.mib) MiB", $0.formula] }
    }
    var out = [
      "llama.cpp CPU backend, \(llamaCpp.context) tokens (\(llamaCpp.sequences) sequence"
        + "\(llamaCpp.sequences == 1 ? "" : "s"), flash attention \(llamaCpp.flashAttention ? "on" : "off"),"
        + " K \(llamaCpp.cacheTypeK), V \(llamaCpp.cacheTypeV)):"
    ]
    out.append(
      table(
        rows(llamaCpp.lines) + [["total", "\(llamaCpp.totalMib) MiB", ""]],
        rightAligned: [1], minimum: 8))
    out += llamaCpp.notes.map { "  note: \($0)" }
    out.append(
      "transformers / vLLM, bf16, one sequence of \(python.context) tokens (activations not modelled):"
    )
    out.append(table(rows(python.lines), rightAligned: [1], minimum: 8))
    return out.joined(separator: "\n")
  }
}
