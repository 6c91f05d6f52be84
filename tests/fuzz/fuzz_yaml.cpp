//===- fuzz_yaml.cpp - libFuzzer target: the model YAML frontend ----------===//
//
// Runs importModelYAML on the input with the default ImportLimits, in a
// fresh MLIRContext per input (threading off) so nothing accumulates from
// one input to the next. Diagnostics are swallowed but counted, to check the
// importer's contract: it returns null exactly when it reported an error,
// and a module it returns verifies.
//
//===----------------------------------------------------------------------===//

#include "olm/Dialect/OLMDialect.h"
#include "olmc/Frontend/ModelImporter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  size_t errors = 0;
  context.getDiagEngine().registerHandler([&](mlir::Diagnostic &diag) {
    if (diag.getSeverity() == mlir::DiagnosticSeverity::Error)
      ++errors;
    return mlir::success();
  });
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      olmc::importModelYAML(context, "fuzz.yaml", text);
  if (!module && errors == 0) {
    std::fprintf(stderr, "importModelYAML failed without an error\n");
    std::abort();
  }
  if (module && (errors != 0 || mlir::failed(mlir::verify(*module)))) {
    std::fprintf(stderr, "importModelYAML returned a module with errors\n");
    std::abort();
  }
  return 0;
}
