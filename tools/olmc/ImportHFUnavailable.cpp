// Built only while the import-hf library is absent from the tree.
#include "Commands.h"
#include "llvm/Support/raw_ostream.h"
int olmc::importHFMain(int, char **) {
  llvm::errs() << "olmc: error: import-hf is not part of this build\n";
  return 1;
}
