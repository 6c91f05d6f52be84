//===- OLMInterfaces.cpp - olm op interfaces ------------------------------===//
#include "olm/Dialect/OLMInterfaces.h"
#include "olm/Dialect/OLMOps.h"

#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace olm {

#include "olm/Dialect/OLMInterfaces.cpp.inc"

SmallVector<std::string> getBoundIndexNames(Operation *op) {
  SmallVector<std::string> names;
  Region *region = op->getParentRegion();
  while (region) {
    Operation *parent = region->getParentOp();
    if (!parent)
      break;
    if (auto comb = dyn_cast<CombinatorOpInterface>(parent)) {
      unsigned idx = region->getRegionNumber();
      for (const IndexBinding &b : comb.getChildBindings(idx))
        if (!b.name.empty()) {
          names.push_back(b.name);
          break; // all bindings of one child share a name
        }
    }
    region = parent->getParentRegion();
  }
  return names;
}

namespace detail {

LogicalResult verifyCombinatorOp(Operation *op) {
  auto comb = cast<CombinatorOpInterface>(op);
  if (op->getNumOperands() < 1)
    return op->emitOpError("a combinator takes its input as first operand");
  Type inputType = comb.getCombinatorInput().getType();
  if (comb.getNumChildren() == 0)
    return op->emitOpError("a combinator needs at least one child region");
  for (unsigned i = 0, e = comb.getNumChildren(); i < e; ++i) {
    Region &child = comb.getChild(i);
    if (!child.hasOneBlock())
      return op->emitOpError("child ") << i << " must have exactly one block";
    Block &block = child.front();
    if (block.getNumArguments() != 1)
      return op->emitOpError("child ")
             << i << " must take exactly one argument (the input), got "
             << block.getNumArguments();
    if (block.getArgument(0).getType() != inputType)
      return op->emitOpError("child ")
             << i << " argument type " << block.getArgument(0).getType()
             << " does not match the input type " << inputType;
    auto yield = dyn_cast<YieldOp>(block.getTerminator());
    if (!yield || yield.getValues().size() != 1)
      return op->emitOpError("child ")
             << i << " must end with 'olm.yield' of exactly one value";
    if (!isa<RankedTensorType>(yield.getValues()[0].getType()))
      return op->emitOpError("child ")
             << i << " must yield a ranked tensor, got "
             << yield.getValues()[0].getType();
  }
  return success();
}

LogicalResult verifyLayerOp(Operation *op) {
  auto layer = cast<LayerOpInterface>(op);
  DictionaryAttr names = layer.getParamNames();
  if (!names)
    return op->emitOpError("requires a 'params' dictionary naming its weights");
  SmallVector<ParamSpec> specs = layer.getParamSpecs();
  llvm::StringSet<> known;
  for (const ParamSpec &spec : specs) {
    known.insert(spec.role);
    Attribute attr = names.get(spec.role);
    if (!attr) {
      if (spec.required)
        return op->emitOpError("missing name for parameter '")
               << spec.role << "' in 'params'";
      continue;
    }
  }
  SmallVector<std::string> bound = getBoundIndexNames(op);
  for (NamedAttribute entry : names) {
    if (!known.contains(entry.getName().strref())) {
      std::string roles;
      for (const ParamSpec &spec : specs)
        roles += (roles.empty() ? "" : ", ") + spec.role;
      return op->emitOpError("parameter '")
             << entry.getName().strref()
             << "' is not used with these attributes (expected one of: "
             << roles << ")";
    }
    auto str = dyn_cast<StringAttr>(entry.getValue());
    if (!str || str.getValue().empty())
      return op->emitOpError("name of parameter '")
             << entry.getName().strref() << "' must be a non-empty string";
    SmallVector<std::string> vars;
    std::string error;
    if (!collectParamNameVars(str.getValue(), vars, error))
      return op->emitOpError(error);
    for (const std::string &var : vars)
      if (!llvm::is_contained(bound, var))
        return op->emitOpError("parameter name '")
               << str.getValue() << "' uses index '" << var
               << "', which no enclosing olm.repeat binds";
  }
  return success();
}

} // namespace detail
} // namespace olm
