//===- CliInitWeights.cpp - `init-weights`: a checkpoint from init specs --===//

#include "CliCommands.h"

#include "olmrt/Manifest.h"
#include "olmrt/WeightInit.h"

#include <ostream>
#include <set>

namespace olmrt::exec {

int initWeightsCommand(const ParsedArgs &args, const CliStreams &streams) {
  const std::string &artifact = args.onePositional("the artifact M.olmx");
  auto output = args.value("--output");
  if (!output)
    throw UsageError("missing -o W.safetensors");
  uint64_t seed = 0;
  if (auto text = args.value("--seed"))
    seed = parseSeed("--seed", *text);

  // The code is not needed to make weights: read the manifest only.
  Manifest manifest = readManifest(artifact);
  writeInitWeights(manifest, seed, *output);

  std::set<std::string> names;
  int64_t parameters = 0;
  for (const ManifestWeight &weight : manifest.weights)
    for (const ManifestSource &source : weight.sources) {
      if (!names.insert(source.tensor).second)
        continue;
      int64_t elements = 1;
      for (int64_t dim : source.shape)
        elements *= dim;
      parameters += elements;
    }
  *streams.out << *output << ": " << names.size() << " tensors, " << parameters
               << " parameters (seed " << seed << ")\n";
  return 0;
}

} // namespace olmrt::exec
