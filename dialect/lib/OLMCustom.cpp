//===- OLMCustom.cpp - custom combinators, broadcast, fused ops -----------===//
#include "olm/Dialect/OLMOps.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace olm;

namespace {

/// The declared parameters of a definition: name -> (shape, init).
struct DeclaredParam {
  std::string name;
  SmallVector<int64_t> shape; // -1: the input's feature size
  std::string init;
};

FailureOr<SmallVector<DeclaredParam>> declaredParams(CombinatorDefOp def,
                                                     bool report) {
  SmallVector<DeclaredParam> out;
  for (Attribute a : def.getParams()) {
    auto d = dyn_cast<DictionaryAttr>(a);
    auto name = d ? d.getAs<StringAttr>("name") : StringAttr();
    auto shape = d ? d.getAs<DenseI64ArrayAttr>("shape") : nullptr;
    auto init = d ? d.getAs<StringAttr>("init") : StringAttr();
    if (!name || !shape || !init ||
        !llvm::is_contained({"zeros", "ones", "normal"}, init.getValue())) {
      if (report)
        def.emitOpError("each parameter needs {name = \"...\", shape = "
                        "array<i64: ...>, init = \"zeros\" | \"ones\" | "
                        "\"normal\"}");
      return failure();
    }
    for (int64_t dim : shape.asArrayRef())
      if (dim < -1 || dim == 0) {
        if (report)
          def.emitOpError("parameter '")
              << name.getValue()
              << "' has a bad dimension; use sizes >= 1 or -1 for the "
                 "input's feature size";
        return failure();
      }
    out.push_back({name.str(), SmallVector<int64_t>(shape.asArrayRef()),
                   init.str()});
  }
  return out;
}

} // namespace

/// The definition's type `t` bound at a use: `?` features -> `features`,
/// float elements -> `element`.
Type olm::instantiateCombinatorType(Type t, int64_t features, Type element) {
  auto r = dyn_cast<RankedTensorType>(t);
  if (!r)
    return t;
  SmallVector<int64_t> shape(r.getShape());
  if (!shape.empty() && ShapedType::isDynamic(shape.back()) &&
      (shape.size() == 1 || shape.size() == 3))
    shape.back() = features;
  Type e = isa<FloatType>(r.getElementType()) ? element : r.getElementType();
  return RankedTensorType::get(shape, e);
}

namespace {
static Type instantiate(Type t, int64_t features, Type element) {
  return olm::instantiateCombinatorType(t, features, element);
}

bool shapeMatches(ArrayRef<int64_t> declared, ArrayRef<int64_t> actual) {
  if (declared.size() != actual.size())
    return false;
  for (auto [d, a] : llvm::zip(declared, actual))
    if (d == -1 ? !ShapedType::isDynamic(a) : d != a)
      return false;
  return true;
}

} // namespace

LogicalResult CombinatorDefOp::verifyRegions() {
  Block &body = getBody().front();
  if (body.getNumArguments() != 1)
    return emitOpError("body must take one argument (the input)");
  auto in = dyn_cast<RankedTensorType>(body.getArgument(0).getType());
  if (!in || in.getRank() != 3)
    return emitOpError("the input must be an activation tensor<?x?x?xT>");
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield || yield.getValues().size() != 1)
    return emitOpError("body must end with 'olm.yield' of one value");
  FailureOr<SmallVector<DeclaredParam>> params = declaredParams(*this, true);
  if (failed(params))
    return failure();
  return success();
}

LogicalResult ApplyChildOp::verify() {
  auto def = (*this)->getParentOfType<CombinatorDefOp>();
  if (!def)
    return emitOpError("must be inside an olm.combinator_def");
  if (int64_t(getIndex()) >= int64_t(def.getChildren()))
    return emitOpError("applies child ")
           << getIndex() << " but '" << def.getSymName() << "' declares "
           << def.getChildren() << " children";
  return success();
}

LogicalResult ParamRefOp::verify() {
  auto def = (*this)->getParentOfType<CombinatorDefOp>();
  if (!def)
    return emitOpError("must be inside an olm.combinator_def");
  FailureOr<SmallVector<DeclaredParam>> params = declaredParams(def, false);
  if (failed(params))
    return success(); // reported by the definition
  std::string names;
  for (const DeclaredParam &p : *params) {
    names += (names.empty() ? "" : ", ") + p.name;
    if (p.name != getName())
      continue;
    auto type = cast<RankedTensorType>(getResult().getType());
    if (!shapeMatches(p.shape, type.getShape()))
      return emitOpError("type ")
             << type << " does not match the declared shape of '"
             << getName() << "'";
    return success();
  }
  return emitOpError("unknown parameter '")
         << getName() << "' (declared: " << (names.empty() ? "none" : names)
         << ")";
}

LogicalResult BroadcastOp::verify() {
  auto like = cast<RankedTensorType>(getLike().getType());
  if (getResult().getType() != like)
    return emitOpError("result type must equal the type of 'like'");
  Type v = getValue().getType();
  if (isa<FloatType>(v))
    return success();
  auto t = dyn_cast<RankedTensorType>(v);
  if (!t || t.getRank() != 1)
    return emitOpError("broadcasts a float scalar or a rank-1 tensor, got ")
           << v;
  int64_t n = t.getDimSize(0), f = like.getDimSize(like.getRank() - 1);
  if (!ShapedType::isDynamic(n) && !ShapedType::isDynamic(f) && n != f &&
      n != 1)
    return emitOpError("vector of ")
           << n << " elements cannot broadcast along " << f << " features";
  return success();
}

//===----------------------------------------------------------------------===//
// CustomOp
//===----------------------------------------------------------------------===//

static CombinatorDefOp lookupDef(CustomOp op) {
  return SymbolTable::lookupNearestSymbolFrom<CombinatorDefOp>(op,
                                                               op.getDefAttr());
}

static int64_t featuresOf(Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  return t.getDimSize(t.getRank() - 1);
}

SmallVector<ParamSpec> CustomOp::getParamSpecs() {
  SmallVector<ParamSpec> specs;
  CombinatorDefOp def = lookupDef(*this);
  if (!def)
    return specs;
  FailureOr<SmallVector<DeclaredParam>> params = declaredParams(def, false);
  if (failed(params))
    return specs;
  int64_t f = featuresOf(getInput());
  for (const DeclaredParam &p : *params) {
    ParamSpec spec{p.name, {}};
    for (int64_t d : p.shape)
      spec.shape.push_back(d == -1 ? f : d);
    specs.push_back(spec);
  }
  return specs;
}

LogicalResult CustomOp::verifyRegions() {
  CombinatorDefOp def = lookupDef(*this);
  if (!def)
    return emitOpError("no olm.combinator_def named ") << getDefAttr();
  if (int64_t(getNumRegions()) != int64_t(def.getChildren()))
    return emitOpError("'")
           << def.getSymName() << "' takes " << def.getChildren()
           << " children, got " << getNumRegions();
  auto yield = cast<YieldOp>(def.getBody().front().getTerminator());
  auto in = cast<RankedTensorType>(getInput().getType());
  Type expected = instantiate(yield.getValues()[0].getType(),
                              featuresOf(getInput()), in.getElementType());
  if (getResult().getType() != expected)
    return emitOpError("result type ")
           << getResult().getType() << " differs from the definition's "
           << expected;
  return success();
}

FailureOr<Value> CustomOp::combine(OpBuilder &b, Value input,
                                   ChildApplyFn applyChild) {
  CombinatorDefOp def = lookupDef(*this);
  Block &body = def.getBody().front();
  int64_t f = featuresOf(input);
  Type element = cast<RankedTensorType>(input.getType()).getElementType();
  FailureOr<SmallVector<DeclaredParam>> params = declaredParams(def, true);
  if (failed(params))
    return failure();
  IRMapping mapping;
  mapping.map(body.getArgument(0), input);
  for (Operation &op : body.without_terminator()) {
    if (auto apply = dyn_cast<ApplyChildOp>(op)) {
      FailureOr<Value> out = applyChild(b, apply.getIndex(), IndexBinding{},
                                        mapping.lookup(apply.getInput()));
      if (failed(out))
        return failure();
      mapping.map(apply.getResult(), *out);
      continue;
    }
    if (auto ref = dyn_cast<ParamRefOp>(op)) {
      std::string init;
      SmallVector<int64_t> shape;
      for (const DeclaredParam &p : *params)
        if (p.name == ref.getName()) {
          init = p.init;
          for (int64_t d : p.shape)
            shape.push_back(d == -1 ? f : d);
        }
      auto type = RankedTensorType::get(shape, element);
      auto name = getParams().getAs<StringAttr>(ref.getName());
      auto param = ParamOp::create(
          b, ref.getLoc(), type,
          b.getDictionaryAttr({b.getNamedAttr("value", name)}),
          b.getStringAttr(init));
      mapping.map(ref.getResult(), param.getResult());
      continue;
    }
    Operation *clone = b.clone(op, mapping);
    for (OpResult r : clone->getResults())
      r.setType(instantiate(r.getType(), f, element));
  }
  auto yield = cast<YieldOp>(body.getTerminator());
  return mapping.lookup(yield.getValues()[0]);
}

SmallVector<ParamSpec> ParamOp::getParamSpecs() {
  auto t = cast<RankedTensorType>(getResult().getType());
  return {{"value", SmallVector<int64_t>(t.getShape())}};
}
