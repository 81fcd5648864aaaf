import Formats
import FuzzSupport
import Models
import Patching

/// `stamp`'s planner on a parsed GGUF, safetensors or config.json input.
///
/// The input after its first two bytes is a GGUF file, a
/// safetensors file or (starting with `{`) a Hugging Face folder's config.json; the first byte
/// picks the method and the dynamic/replace/force/tables options, the second the factor. A plan
/// either fails with its typed error or, written to a new file or folder, re-validates: the
/// output parses, declares exactly the planned scaling (keys; with `--tables` the baked tensors
/// and Spindle's record stand for it), and the same request planned on the output changes
/// nothing.
@_cdecl("FuzzStampPlan_main")
func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
  runLibFuzzer(argc, argv, testOneInput)
}

@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  var input = FuzzInput(inputBytes(data, size))
  let choice = input.byte()
  let factorByte = input.byte()
  let bytes = input.rest
  let methods = StampRequest.Method.allCases
  var request = StampRequest(
    method: methods[Int(choice & 7) % methods.count], factor: 1 + Double(factorByte) / 16,
    dynamic: choice & 8 != 0, replace: choice & 16 != 0, force: choice & 32 != 0)
  request.tables = choice & 64 != 0
  if request.method == .longrope {
    let pairs = 1 + Int(factorByte % 64)
    request.shortFactors = Array(repeating: 1, count: pairs)
    request.longFactors = Array(repeating: Double(1 + factorByte % 8), count: pairs)
    request.derivesFactor = choice & 128 != 0
  }
  let folder = FuzzScratch.fresh("stamp")
  let kind: String
  let inputPath: String
  let outputPath: String
  if bytes.starts(with: GGUFFile.magic) {
    (kind, inputPath, outputPath) = ("gguf", "\(folder)/model.gguf", "\(folder)/out.gguf")
    FuzzScratch.write(bytes, to: inputPath)
  } else if bytes.first(where: { ![0x20, 0x0A, 0x0D, 0x09].contains($0) }) == UInt8(ascii: "{") {
    (kind, inputPath, outputPath) = ("hf", "\(folder)/model", "\(folder)/out")
    _ = FuzzScratch.fresh("stamp/model")
    FuzzScratch.write(bytes, to: "\(inputPath)/config.json")
  } else {
    (kind, inputPath, outputPath) = (
      "safetensors", "\(folder)/model.safetensors", "\(folder)/out.safetensors"
    )
    FuzzScratch.write(bytes, to: inputPath)
  }
  guard let plan = try? StampPlan(path: inputPath, request: request), !plan.isEmpty else {
    return 0
  }
  do { try plan.execute(.path(outputPath)) } catch {
    violation("the planned stamp (\(plan.after.summary)) failed: \(error)")
  }
  do {
    let again = try StampPlan(path: outputPath, request: request)
    if !again.isEmpty {
      violation("stamping the stamped \(kind) again changes it: \(again.changes)")
    }
  } catch {
    violation("the stamped \(kind) cannot be planned again: \(error)")
  }
  if request.tables { return 0 }
  let after: RoPESettings
  do throws(PatchError) {
    switch kind {
    case "gguf":
      let file: GGUFFile
      do { file = try GGUFFile(path: outputPath) } catch { throw PatchError(error) }
      after = try RoPESettings(gguf: file, force: request.force)
    case "safetensors":
      let file: SafetensorsFile
      do { file = try SafetensorsFile(path: outputPath) } catch { throw PatchError(error) }
      after = try RoPESettings(
        safetensorsMetadata: file.metadata, path: outputPath, force: request.force)
    default:
      let config: HFConfig
      do { config = try HFConfig(path: "\(outputPath)/config.json") } catch {
        throw PatchError(error)
      }
      after = try RoPESettings(huggingFace: config.json, path: outputPath, force: request.force)
    }
  } catch {
    violation("the stamped \(kind) does not re-validate: \(error)")
  }
  if !after.sameScaling(as: plan.after) {
    violation("the stamped \(kind) declares \(after.summary), the plan \(plan.after.summary)")
  }
  return 0
}
