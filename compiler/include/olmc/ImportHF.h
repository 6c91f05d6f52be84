//===- ImportHF.h - Hugging Face config.json -> model YAML ------*- C++ -*-===//
//
// `olmc import-hf` reads the config.json that transformers' save_pretrained
// writes and produces an olmc model YAML (docs/yaml-reference.md) whose
// parameter names are the tensor names of that checkpoint.
//
//===----------------------------------------------------------------------===//
#ifndef OLMC_IMPORTHF_H
#define OLMC_IMPORTHF_H

#include <string>

namespace olmc {

/// Translates a Hugging Face config.json (text) into olmc model YAML. On
/// failure returns false and sets `error` to one line (without the
/// "FILE: error:" prefix, which the driver adds) naming the unsupported
/// family or option or the missing/mistyped key.
bool importHFConfig(const std::string &jsonText, std::string &yamlOut,
                    std::string &error);

} // namespace olmc

#endif // OLMC_IMPORTHF_H
