//===- ModelImporter.cpp - model YAML -> olm dialect ----------------------===//
//
// Reads the top level (model, hparams, defs, structure) and the structure
// nodes; layer nodes are handled in LayerEmitter.cpp. Every node becomes an
// op located at its YAML key, so verifier errors also point into the file.
//
//===----------------------------------------------------------------------===//
#include "Emitter.h"

#include "olm/Dialect/OLMOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "llvm/ADT/StringExtras.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

#include <memory>

using namespace mlir;
using namespace llvm;

namespace olmc {
namespace {

const std::vector<std::string> kStructureKinds = {"block", "residual",
                                                  "repeat", "parallel"};

bool isIdentifier(StringRef s) { return olm::isValidIndexName(s); }

/// A reusable definition: `defs: NAME: {args: ..., body: ...}`.
struct Definition {
  YAML::Node key;
  YAML::Node body;
  std::vector<std::string> argNames;
  std::map<std::string, YAML::Node> defaults; // absent = required
};

class Importer {
public:
  Importer(SourceInfo &src, OpBuilder &builder) : src(src), st(src, builder) {}

  OwningOpRef<ModuleOp> run(const YAML::Node &root);

private:
  SourceInfo &src;
  EmitState st;
  Scope globals;
  std::map<std::string, Definition> defs;

  OpBuilder &b() { return st.builder; }

  LogicalResult readModelInfo(const YAML::Node &node, std::string &name);
  LogicalResult readHParams(const YAML::Node &node);
  LogicalResult readDefs(const YAML::Node &node);
  LogicalResult readImports(const YAML::Node &node);
  FailureOr<Value> emitCustom(olm::CombinatorDefOp def, StringRef kind,
                              const YAML::Node &key, const YAML::Node &value,
                              Value input, const NodeContext &nc);
  /// A combinator of a dialect plugin, written by its op name
  /// (`gres.gated_residual:`).
  FailureOr<Value> emitPluginOp(StringRef kind, const YAML::Node &key,
                                const YAML::Node &value, Value input,
                                const NodeContext &nc);
  /// Reads `body:` (one child) or `children:` (a list) of a custom or
  /// plugin combinator node.
  LogicalResult readChildren(OptionReader &r, std::vector<YAML::Node> &out);
  /// Parameter names of a custom or plugin combinator: `inner`'s path and
  /// the role, or what `weights:` gives.
  LogicalResult readWeightNames(OptionReader &r, StringRef what,
                                const NodeContext &nc, const NodeContext &inner,
                                const std::vector<std::string> &roles,
                                std::map<std::string, std::string> &names);
  /// The YAML value of a plugin op's argument as an attribute its op
  /// accepts (checked against the op's own constraints).
  FailureOr<Attribute> pluginArgument(RegisteredOperationName op,
                                      StringRef what, OptionReader &r,
                                      StringRef arg);

  /// Combinators defined in imported .mlir files, by name.
  std::map<std::string, olm::CombinatorDefOp> customs;

  std::vector<std::string> allKinds() const {
    std::vector<std::string> kinds = kStructureKinds;
    for (const std::string &k : layerKinds())
      kinds.push_back(k);
    for (auto &d : defs)
      kinds.push_back(d.first);
    for (auto &c : customs)
      kinds.push_back(c.first);
    for (const std::string &p : pluginCombinators())
      kinds.push_back(p);
    return kinds;
  }

  /// The combinators of the loaded dialect plugins: ops outside `olm` that
  /// implement CombinatorOpInterface, by op name.
  std::vector<std::string> pluginCombinators() const {
    std::vector<std::string> names;
    for (RegisteredOperationName op : src.context.getRegisteredOperations())
      if (op.getDialectNamespace() != "olm" &&
          op.hasInterface<olm::CombinatorOpInterface>())
        names.push_back(op.getStringRef().str());
    return names;
  }

  /// A list is a sequence of nodes applied in order; anything else a node.
  FailureOr<Value> emitBody(const YAML::Node &node, Value input,
                            const NodeContext &nc);
  FailureOr<Value> emitNode(const YAML::Node &node, Value input,
                            const NodeContext &nc);
  FailureOr<Value> emitStructure(StringRef kind, const YAML::Node &key,
                                 const YAML::Node &value, Value input,
                                 const NodeContext &nc);
  FailureOr<Value> emitDefUse(const Definition &def, StringRef kind,
                              const YAML::Node &key, const YAML::Node &value,
                              Value input, const NodeContext &nc);

  /// Builds a structure op with `numChildren` single-block child regions,
  /// each built by `buildChild(i, input)`.
  FailureOr<Value>
  buildStructureOp(StringRef opName, const YAML::Node &key, Value input,
                   unsigned numChildren, NamedAttrList attrs,
                   llvm::function_ref<FailureOr<Value>(unsigned, Value)> buildChild,
                   llvm::function_ref<Type(ArrayRef<Type>)> resultType);

  /// Reads the optional `name` of a structure node into a path.
  LogicalResult readName(OptionReader &r, const NodeContext &nc,
                         NodeContext &inner, NamedAttrList &attrs);
};

OwningOpRef<ModuleOp> Importer::run(const YAML::Node &root) {
  if (!root.IsMap()) {
    src.error(root) << "a model file is a mapping with the keys 'model' and "
                       "'structure' (and optionally 'olmc', 'hparams', "
                       "'defs')";
    return nullptr;
  }
  OptionReader top(src, root, globals, "the model file");
  if (failed(top.checkKeys(
          {"olmc", "model", "hparams", "defs", "imports", "structure"})))
    return nullptr;
  if (top.has("olmc")) {
    auto v = top.getInt("olmc", INT64_MIN, INT64_MAX);
    if (!v)
      return nullptr;
    if (*v != 1) {
      src.error(top.node("olmc")) << "schema version " << *v
                                  << " is not supported; this olmc reads "
                                     "version 1";
      return nullptr;
    }
  }
  if (!top.has("model"))
    {
    (void)top.missing("model");
    return nullptr;
  }
  if (!top.has("structure"))
    {
    (void)top.missing("structure");
    return nullptr;
  }

  std::string modelName;
  if (failed(readModelInfo(top.node("model"), modelName)))
    return nullptr;
  if (top.has("hparams") && failed(readHParams(top.node("hparams"))))
    return nullptr;
  if (top.has("defs") && failed(readDefs(top.node("defs"))))
    return nullptr;

  Location loc = src.loc(top.keyNode("model"));
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b().setInsertionPointToEnd(module->getBody());
  if (top.has("imports") && failed(readImports(top.node("imports"))))
    return nullptr;
  auto model = olm::ModelOp::create(b(), src.loc(top.keyNode("structure")),
                                    b().getStringAttr(modelName),
                                    TypeAttr::get(st.dtype));
  Block *body = new Block();
  model.getBody().push_back(body);
  auto idsType = RankedTensorType::get(
      {ShapedType::kDynamic, ShapedType::kDynamic}, b().getI32Type());
  Value ids = body->addArgument(idsType, model.getLoc());
  b().setInsertionPointToEnd(body);

  NodeContext nc;
  nc.scope = &globals;
  FailureOr<Value> logits = emitBody(top.node("structure"), ids, nc);
  if (failed(logits))
    return nullptr;
  olm::YieldOp::create(b(), model.getLoc(), ValueRange{*logits});
  if (failed(mlir::verify(*module)))
    return nullptr;
  return module;
}

LogicalResult Importer::readModelInfo(const YAML::Node &node,
                                      std::string &name) {
  OptionReader r(src, node, globals, "'model'");
  if (failed(r.checkKeys({"name", "dtype", "description"})))
    return failure();
  if (!node.IsMap())
    return src.error(node) << "'model' expects a mapping with 'name' and "
                              "'dtype'",
           failure();
  if (!r.has("name"))
    return r.missing("name");
  auto n = r.getString("name");
  if (!n)
    return failure();
  if (!isIdentifier(*n)) {
    src.error(r.node("name")) << "model name '" << *n
                              << "' must be an identifier "
                                 "([A-Za-z_][A-Za-z0-9_]*)";
    return failure();
  }
  name = *n;
  if (r.has("description") && !r.getString("description"))
    return failure();
  std::string dtype = "f32";
  if (r.has("dtype")) {
    auto d = r.getChoice("dtype", {"f32", "f16", "bf16"});
    if (!d)
      return failure();
    dtype = *d;
  }
  st.dtype = dtype == "f32"   ? Type(b().getF32Type())
             : dtype == "f16" ? Type(b().getF16Type())
                              : Type(b().getBF16Type());
  return success();
}

LogicalResult Importer::readHParams(const YAML::Node &node) {
  if (!node.IsMap()) {
    src.error(node) << "'hparams' expects a mapping of name to value";
    return failure();
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!src.visit(it->first))
      return failure();
    std::string name = it->first.IsScalar() ? it->first.Scalar() : "";
    if (!isIdentifier(name)) {
      src.error(it->first) << "hyperparameter name '" << name
                           << "' must be an identifier "
                              "([A-Za-z_][A-Za-z0-9_]*)";
      return failure();
    }
    if (globals.hasLocal(name)) {
      src.error(it->first) << "duplicate hyperparameter '" << name << "'";
      return failure();
    }
    std::optional<HValue> v = evaluateNode(src, it->second, globals);
    if (!v)
      return failure();
    globals.set(name, *v);
  }
  return success();
}

LogicalResult Importer::readDefs(const YAML::Node &node) {
  if (!node.IsMap()) {
    src.error(node) << "'defs' expects a mapping of definition name to "
                       "{args, body}";
    return failure();
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!src.visit(it->first))
      return failure();
    std::string name = it->first.IsScalar() ? it->first.Scalar() : "";
    if (!isIdentifier(name)) {
      src.error(it->first) << "definition name '" << name
                           << "' must be an identifier";
      return failure();
    }
    if (isLayerKind(name) || llvm::is_contained(kStructureKinds, name)) {
      src.error(it->first) << "definition '" << name
                           << "' would hide the built-in node kind of that "
                              "name";
      return failure();
    }
    if (defs.count(name)) {
      src.error(it->first) << "duplicate definition '" << name << "'";
      return failure();
    }
    OptionReader r(src, it->second, globals, "definition '" + name + "'",
                   it->first);
    if (failed(r.checkKeys({"args", "body", "description"})))
      return failure();
    if (!r.has("body"))
      return r.missing("body");
    Definition def;
    def.key = it->first;
    def.body = r.node("body");
    if (r.has("args")) {
      YAML::Node args = r.node("args");
      auto addArg = [&](const YAML::Node &argKey) -> LogicalResult {
        std::string arg = argKey.IsScalar() ? argKey.Scalar() : "";
        if (!isIdentifier(arg) || arg == "name") {
          src.error(argKey) << "argument name '" << arg
                            << "' must be an identifier other than 'name'";
          return failure();
        }
        if (llvm::is_contained(def.argNames, arg)) {
          src.error(argKey) << "duplicate argument '" << arg << "'";
          return failure();
        }
        def.argNames.push_back(arg);
        return success();
      };
      if (args.IsSequence()) {
        for (const YAML::Node &a : args)
          if (!src.visit(a) || failed(addArg(a)))
            return failure();
      } else if (args.IsMap()) {
        for (auto a = args.begin(); a != args.end(); ++a) {
          if (!src.visit(a->first) || failed(addArg(a->first)))
            return failure();
          def.defaults[a->first.Scalar()] = a->second;
        }
      } else if (!args.IsNull()) {
        src.error(args) << "'args' expects a list of names or a mapping of "
                           "name to default value";
        return failure();
      }
    }
    defs[name] = def;
  }
  return success();
}

FailureOr<Value> Importer::emitBody(const YAML::Node &node, Value input,
                                    const NodeContext &nc) {
  if (!node.IsSequence())
    return emitNode(node, input, nc);
  if (!src.visit(node))
    return failure();
  if (node.size() == 0) {
    src.error(node) << "empty list of nodes";
    return failure();
  }
  Value x = input;
  for (const YAML::Node &child : node) {
    FailureOr<Value> y = emitNode(child, x, nc);
    if (failed(y))
      return failure();
    x = *y;
  }
  return x;
}

FailureOr<Value> Importer::emitNode(const YAML::Node &node, Value input,
                                    const NodeContext &nc) {
  if (!src.visit(node))
    return failure();
  if (nc.depth >= src.limits.maxNodeDepth) {
    src.error(node) << "structure nested deeper than "
                    << src.limits.maxNodeDepth << " levels";
    return failure();
  }
  NodeContext inner = nc;
  inner.depth = nc.depth + 1;
  if (node.IsSequence()) {
    // A nested list is an anonymous block.
    NamedAttrList attrs;
    return buildStructureOp(
        "olm.block", node, input, 1, attrs,
        [&](unsigned, Value arg) { return emitBody(node, arg, inner); },
        [](ArrayRef<Type> outs) { return outs[0]; });
  }
  if (!node.IsMap() || node.size() != 1) {
    std::string found;
    if (node.IsMap())
      for (auto it = node.begin(); it != node.end(); ++it)
        found += (found.empty() ? "" : ", ") +
                 (it->first.IsScalar() ? it->first.Scalar() : "?");
    auto diag = src.error(node);
    diag << "expected a node: a mapping with exactly one key, its kind "
            "(e.g. 'rmsnorm: {dim: 64}'), or a list of nodes";
    if (node.IsMap())
      diag << "; found " << (node.size() == 0 ? "no keys" : "keys " + found);
    if (node.IsMap() && node.size() > 1)
      diag << " (is an option indented at the level of the kind?)";
    return failure();
  }
  auto entry = node.begin();
  const YAML::Node key = entry->first;
  const YAML::Node value = entry->second;
  std::string kind = key.IsScalar() ? key.Scalar() : "";
  if (llvm::is_contained(kStructureKinds, kind))
    return emitStructure(kind, key, value, input, inner);
  if (isLayerKind(kind))
    return emitLayer(st, kind, key, value, input, inner);
  auto def = defs.find(kind);
  if (def != defs.end())
    return emitDefUse(def->second, kind, key, value, input, inner);
  auto custom = customs.find(kind);
  if (custom != customs.end())
    return emitCustom(custom->second, kind, key, value, input, inner);
  if (StringRef(kind).contains('.'))
    return emitPluginOp(kind, key, value, input, inner);
  std::vector<std::string> plugins = pluginCombinators();
  auto diag = src.error(key);
  diag << "unknown node kind '" << kind << "'";
  // `gated_residual` for a plugin's `gres.gated_residual`.
  std::string suggestion = didYouMean(kind, allKinds());
  for (const std::string &p : plugins)
    if (suggestion.empty() && StringRef(p).split('.').second == kind)
      suggestion = ", did you mean '" + p + "'?";
  diag << suggestion << " (built-in kinds: " << joinNames(kStructureKinds)
       << ", " << joinNames(layerKinds())
       << (defs.empty() ? "" : "; or a name from 'defs'")
       << (plugins.empty() ? "" : "; plugin combinators: " + joinNames(plugins))
       << ")";
  return failure();
}

LogicalResult Importer::readName(OptionReader &r, const NodeContext &nc,
                                 NodeContext &inner, NamedAttrList &attrs) {
  inner = nc;
  if (!r.has("name"))
    return success();
  auto name = r.getString("name");
  if (!name)
    return failure();
  std::string out, error;
  if (name->empty() || !olm::substituteParamName(*name, {}, out, error)) {
    src.error(r.node("name")) << (error.empty() ? "empty name" : error);
    return failure();
  }
  inner.path = nc.child(*name);
  attrs.set("name", b().getStringAttr(*name));
  return success();
}

FailureOr<Value> Importer::buildStructureOp(
    StringRef opName, const YAML::Node &key, Value input, unsigned numChildren,
    NamedAttrList attrs,
    llvm::function_ref<FailureOr<Value>(unsigned, Value)> buildChild,
    llvm::function_ref<Type(ArrayRef<Type>)> resultType) {
  Location loc = src.loc(key);
  std::vector<std::unique_ptr<Block>> blocks;
  SmallVector<Type> outs;
  for (unsigned i = 0; i < numChildren; ++i) {
    auto block = std::make_unique<Block>();
    Value arg = block->addArgument(input.getType(), loc);
    OpBuilder::InsertionGuard guard(b());
    b().setInsertionPointToEnd(block.get());
    FailureOr<Value> out = buildChild(i, arg);
    if (failed(out))
      return failure();
    olm::YieldOp::create(b(), loc, ValueRange{*out});
    outs.push_back(out->getType());
    blocks.push_back(std::move(block));
  }
  OperationState state(loc, opName);
  state.addOperands(input);
  state.addAttributes(attrs);
  state.addTypes(resultType(outs));
  for (auto &block : blocks)
    state.addRegion()->push_back(block.release());
  return b().create(state)->getResult(0);
}

FailureOr<Value> Importer::emitStructure(StringRef kind, const YAML::Node &key,
                                         const YAML::Node &value, Value input,
                                         const NodeContext &nc) {
  std::string what = "'" + kind.str() + "'";
  NamedAttrList attrs;
  NodeContext inner;
  auto sameAsInput = [&](ArrayRef<Type>) { return input.getType(); };

  if (kind == "block" || kind == "residual") {
    std::string opName = "olm." + kind.str();
    if (value.IsSequence()) {
      inner = nc;
      return buildStructureOp(
          opName, key, input, 1, attrs,
          [&](unsigned, Value arg) { return emitBody(value, arg, inner); },
          [&](ArrayRef<Type> outs) {
            return kind == "block" ? outs[0] : input.getType();
          });
    }
    OptionReader r(src, value, *nc.scope, what, key);
    if (failed(r.checkKeys({"name", "body"})))
      return failure();
    if (!value.IsMap()) {
      src.error(value) << what << " expects a list of nodes or a mapping "
                                  "with 'body' (and optionally 'name')";
      return failure();
    }
    if (!r.has("body"))
      return r.missing("body");
    if (failed(readName(r, nc, inner, attrs)))
      return failure();
    YAML::Node body = r.node("body");
    return buildStructureOp(
        opName, key, input, 1, attrs,
        [&](unsigned, Value arg) { return emitBody(body, arg, inner); },
        [&](ArrayRef<Type> outs) {
          return kind == "block" ? outs[0] : input.getType();
        });
  }

  OptionReader r(src, value, *nc.scope, what, key);
  if (kind == "repeat") {
    if (failed(r.checkKeys({"name", "count", "index", "index_in_name",
                            "body"})))
      return failure();
    if (!r.has("count"))
      return r.missing("count");
    if (!r.has("body"))
      return r.missing("body");
    auto count = r.getInt("count", 1, src.limits.maxRepeatCount);
    if (!count)
      return failure();
    static const char *kDefaultIndices[] = {"i", "j", "k", "l", "m", "n"};
    std::string index = nc.repeatDepth < 6
                            ? kDefaultIndices[nc.repeatDepth]
                            : "i" + std::to_string(nc.repeatDepth);
    if (r.has("index")) {
      auto v = r.getString("index");
      if (!v)
        return failure();
      if (!isIdentifier(*v)) {
        src.error(r.node("index")) << "index '" << *v
                                   << "' must be an identifier";
        return failure();
      }
      index = *v;
    }
    bool indexInName = true;
    if (r.has("index_in_name")) {
      auto v = r.getBool("index_in_name");
      if (!v)
        return failure();
      indexInName = *v;
    }
    if (failed(readName(r, nc, inner, attrs)))
      return failure();
    if (indexInName)
      inner.path = inner.child("{" + index + "}");
    inner.repeatDepth = nc.repeatDepth + 1;
    attrs.set("count", b().getI64IntegerAttr(*count));
    attrs.set("index", b().getStringAttr(index));
    YAML::Node body = r.node("body");
    return buildStructureOp(
        "olm.repeat", key, input, 1, attrs,
        [&](unsigned, Value arg) { return emitBody(body, arg, inner); },
        sameAsInput);
  }

  // parallel
  if (failed(r.checkKeys({"name", "branches", "merge", "dim"})))
    return failure();
  if (!r.has("branches"))
    return r.missing("branches");
  YAML::Node branches = r.node("branches");
  if (!branches.IsSequence() || branches.size() == 0) {
    src.error(branches) << "'branches' of 'parallel' expects a non-empty "
                           "list; each branch is a node or a list of nodes";
    return failure();
  }
  std::string merge = "sum";
  if (r.has("merge")) {
    auto v = r.getChoice("merge", {"sum", "mean", "concat"});
    if (!v)
      return failure();
    merge = *v;
  }
  int64_t dim = -1;
  if (r.has("dim")) {
    if (merge != "concat") {
      src.error(r.keyNode("dim")) << "'dim' applies only to merge: concat";
      return failure();
    }
    auto v = r.getInt("dim", -3, 2);
    if (!v)
      return failure();
    dim = *v;
  }
  if (failed(readName(r, nc, inner, attrs)))
    return failure();
  attrs.set("merge", b().getStringAttr(merge));
  if (merge == "concat")
    attrs.set("dim", b().getI64IntegerAttr(dim));
  std::vector<YAML::Node> list(branches.begin(), branches.end());
  return buildStructureOp(
      "olm.parallel", key, input, list.size(), attrs,
      [&](unsigned i, Value arg) { return emitBody(list[i], arg, inner); },
      [&](ArrayRef<Type> outs) -> Type {
        auto first = cast<RankedTensorType>(outs[0]);
        if (merge != "concat")
          return first;
        int64_t axis = dim < 0 ? dim + first.getRank() : dim;
        // A dim outside the first branch's rank (branches of rank 2 exist:
        // a residual over token ids keeps their type) has no size to
        // compute; the verifier reports it against this op.
        if (axis < 0 || axis >= first.getRank())
          return first;
        SmallVector<int64_t> shape(first.getShape());
        int64_t total = 0;
        for (Type t : outs) {
          auto rt = cast<RankedTensorType>(t);
          if (rt.getRank() != first.getRank() || rt.isDynamicDim(axis) ||
              total == ShapedType::kDynamic) {
            total = ShapedType::kDynamic;
            continue;
          }
          total += rt.getDimSize(axis);
        }
        shape[axis] = total;
        return RankedTensorType::get(shape, first.getElementType());
      });
}

FailureOr<Value> Importer::emitDefUse(const Definition &def, StringRef kind,
                                      const YAML::Node &key,
                                      const YAML::Node &value, Value input,
                                      const NodeContext &nc) {
  if (llvm::is_contained(nc.defStack, kind.str())) {
    std::string chain;
    for (const std::string &d : nc.defStack)
      chain += d + " -> ";
    src.error(key) << "definition '" << kind << "' uses itself (" << chain
                   << kind << ")";
    return failure();
  }
  std::string what = "'" + kind.str() + "'";
  OptionReader r(src, value, *nc.scope, what, key);
  std::vector<std::string> allowed = def.argNames;
  allowed.push_back("name");
  if (failed(r.checkKeys(allowed)))
    return failure();
  // Arguments are evaluated where the definition is used; defaults where
  // it is defined (the global hparams).
  auto scope = std::make_unique<Scope>(&globals);
  for (const std::string &arg : def.argNames) {
    std::optional<HValue> v;
    if (r.has(arg)) {
      v = r.value(arg);
    } else {
      auto d = def.defaults.find(arg);
      if (d == def.defaults.end() || d->second.IsNull()) {
        src.error(value.IsDefined() && value.IsMap() ? value : key)
            << what << " needs argument '" << arg << "'";
        return failure();
      }
      v = evaluateNode(src, d->second, globals);
    }
    if (!v)
      return failure();
    scope->set(arg, *v);
  }
  NamedAttrList attrs;
  NodeContext inner;
  if (failed(readName(r, nc, inner, attrs)))
    return failure();
  inner.scope = scope.get();
  inner.defStack.push_back(kind.str());
  // A use of a definition is visible in the IR as a named block.
  attrs.set("name", b().getStringAttr(
                        r.has("name") ? cast<StringAttr>(attrs.get("name"))
                                            .getValue()
                                            .str()
                                      : kind.str()));
  return buildStructureOp(
      "olm.block", key, input, 1, attrs,
      [&](unsigned, Value arg) { return emitBody(def.body, arg, inner); },
      [](ArrayRef<Type> outs) { return outs[0]; });
}

LogicalResult Importer::readImports(const YAML::Node &node) {
  if (!node.IsSequence()) {
    src.error(node) << "'imports' expects a list of .mlir files with "
                       "olm.combinator_def definitions";
    return failure();
  }
  for (const YAML::Node &entry : node) {
    if (!src.visit(entry))
      return failure();
    std::optional<HValue> v = evaluateNode(src, entry, globals);
    if (!v)
      return failure();
    if (v->kind != HValue::Kind::String) {
      src.error(entry) << "an import is a path to a .mlir file";
      return failure();
    }
    // Relative to the model file.
    SmallString<256> path(v->s);
    if (!sys::path::is_absolute(path)) {
      path = sys::path::parent_path(src.fileName);
      sys::path::append(path, v->s);
    }
    // The path comes from an untrusted file: read only a regular file that
    // is within the size limit, checked before anything is read. A FIFO
    // blocked olmc forever and /dev/zero made it allocate until it died
    // (found by review for docs/security.md; tests/Frontend/errors/
    // import-not-regular.test).
    sys::fs::file_status status;
    if (std::error_code ec = sys::fs::status(path, status)) {
      src.error(entry) << "cannot read '" << path << "': " << ec.message();
      return failure();
    }
    if (status.type() != sys::fs::file_type::regular_file) {
      src.error(entry) << "cannot read '" << path
                       << "': not a regular file";
      return failure();
    }
    if (status.getSize() > src.limits.maxFileBytes) {
      src.error(entry) << "'" << path << "' is larger than "
                       << src.limits.maxFileBytes << " bytes";
      return failure();
    }
    auto buffer = MemoryBuffer::getFile(path, /*IsText=*/true);
    if (!buffer) {
      src.error(entry) << "cannot read '" << path
                       << "': " << buffer.getError().message();
      return failure();
    }
    if ((*buffer)->getBufferSize() > src.limits.maxFileBytes) {
      src.error(entry) << "'" << path << "' is larger than "
                       << src.limits.maxFileBytes << " bytes";
      return failure();
    }
    llvm::SourceMgr sourceMgr;
    sourceMgr.AddNewSourceBuffer(std::move(*buffer), SMLoc());
    ParserConfig config(&src.context);
    OwningOpRef<ModuleOp> imported =
        parseSourceFile<ModuleOp>(sourceMgr, config);
    if (!imported) {
      src.error(entry) << "'" << path << "' is not a valid olm module "
                          "(see the errors above)";
      return failure();
    }
    for (Operation &op : llvm::make_early_inc_range(*imported->getBody())) {
      auto def = dyn_cast<olm::CombinatorDefOp>(op);
      if (!def) {
        op.emitError("an imported file may hold only olm.combinator_def "
                     "ops, found '")
            << op.getName() << "'";
        return failure();
      }
      std::string name = def.getSymName().str();
      if (isLayerKind(name) || llvm::is_contained(kStructureKinds, name) ||
          defs.count(name) || customs.count(name)) {
        def.emitError("combinator '")
            << name << "' clashes with a node kind or definition of that "
                       "name";
        return failure();
      }
      def->moveBefore(b().getInsertionBlock(), b().getInsertionPoint());
      customs[name] = def;
    }
  }
  return success();
}

FailureOr<Value> Importer::emitCustom(olm::CombinatorDefOp def,
                                      StringRef kind, const YAML::Node &key,
                                      const YAML::Node &value, Value input,
                                      const NodeContext &nc) {
  std::string what = "'" + kind.str() + "'";
  OptionReader r(src, value, *nc.scope, what, key);
  if (failed(r.checkKeys({"name", "body", "children", "weights"})))
    return failure();
  std::vector<YAML::Node> children;
  if (failed(readChildren(r, children)))
    return failure();
  if (int64_t(children.size()) != int64_t(def.getChildren())) {
    src.error(key) << what << " takes " << def.getChildren()
                   << " children, got " << children.size();
    return failure();
  }
  NamedAttrList attrs;
  NodeContext inner;
  if (failed(readName(r, nc, inner, attrs)))
    return failure();

  // Parameter names: the node's path and the declared name, or 'weights'.
  std::vector<std::string> declared;
  for (Attribute a : def.getParams())
    if (auto d = dyn_cast<DictionaryAttr>(a))
      if (auto n = d.getAs<StringAttr>("name"))
        declared.push_back(n.str());
  std::map<std::string, std::string> names;
  if (failed(readWeightNames(r, what, nc, inner, declared, names)))
    return failure();
  SmallVector<NamedAttribute> params;
  for (auto &[role, name] : names)
    params.push_back(b().getNamedAttr(role, b().getStringAttr(name)));
  attrs.set("def", FlatSymbolRefAttr::get(def.getSymNameAttr()));
  attrs.set("params", b().getDictionaryAttr(params));

  auto in = cast<RankedTensorType>(input.getType());
  auto yield = cast<olm::YieldOp>(def.getBody().front().getTerminator());
  Type result = olm::instantiateCombinatorType(
      yield.getValues()[0].getType(), in.getDimSize(in.getRank() - 1),
      in.getElementType());
  return buildStructureOp(
      "olm.custom", key, input, children.size(), attrs,
      [&](unsigned i, Value arg) { return emitBody(children[i], arg, inner); },
      [&](ArrayRef<Type>) { return result; });
}

LogicalResult Importer::readChildren(OptionReader &r,
                                     std::vector<YAML::Node> &children) {
  if (r.has("body") && r.has("children")) {
    src.error(r.keyNode("children"))
        << "give 'body' (one child) or 'children' (a list), not both";
    return failure();
  }
  if (r.has("body")) {
    children.push_back(r.node("body"));
  } else if (r.has("children")) {
    YAML::Node list = r.node("children");
    if (!list.IsSequence()) {
      src.error(list) << "'children' expects a list; each child is a node "
                         "or a list of nodes";
      return failure();
    }
    for (const YAML::Node &child : list)
      children.push_back(child);
  }
  return success();
}

LogicalResult Importer::readWeightNames(
    OptionReader &r, StringRef what, const NodeContext &nc,
    const NodeContext &inner, const std::vector<std::string> &declared,
    std::map<std::string, std::string> &names) {
  for (const std::string &p : declared)
    names[p] = inner.child(p);
  if (!r.has("weights"))
    return success();
  YAML::Node w = r.node("weights");
  if (!w.IsMap()) {
    src.error(w) << "'weights' expects a mapping of parameter to name";
    return failure();
  }
  for (auto it = w.begin(); it != w.end(); ++it) {
    std::string role = it->first.IsScalar() ? it->first.Scalar() : "";
    if (!names.count(role)) {
      src.error(it->first) << what << " has no parameter '" << role << "'"
                           << didYouMean(role, declared) << " (parameters: "
                           << (declared.empty() ? "none" : joinNames(declared))
                           << ")";
      return failure();
    }
    std::optional<HValue> v = evaluateNode(src, it->second, *nc.scope);
    if (!v || v->kind != HValue::Kind::String) {
      if (v)
        src.error(it->second) << "parameter name must be a string";
      return failure();
    }
    StringRef text = v->s;
    names[role] = text.starts_with("/") ? text.drop_front().str()
                                        : inner.child(text);
  }
  return success();
}

template <unsigned N>
bool hasExactlyNRegions(RegisteredOperationName op) {
  return op.hasTrait<OpTrait::NRegions<N>::template Impl>();
}
template <unsigned N>
bool hasAtLeastNRegions(RegisteredOperationName op) {
  return op.hasTrait<OpTrait::AtLeastNRegions<N>::template Impl>();
}

/// How many child regions an op can have, from its ODS region traits:
/// {min, max}, max = UINT_MAX for no limit.
std::pair<unsigned, unsigned> childRange(RegisteredOperationName op) {
  constexpr unsigned kAny = ~0u;
  if (op.hasTrait<OpTrait::ZeroRegions>())
    return {0, 0};
  if (op.hasTrait<OpTrait::OneRegion>())
    return {1, 1};
  if (hasExactlyNRegions<2>(op))
    return {2, 2};
  if (hasExactlyNRegions<3>(op))
    return {3, 3};
  if (hasExactlyNRegions<4>(op))
    return {4, 4};
  if (hasExactlyNRegions<5>(op))
    return {5, 5};
  if (hasExactlyNRegions<6>(op))
    return {6, 6};
  if (hasExactlyNRegions<7>(op))
    return {7, 7};
  if (hasExactlyNRegions<8>(op))
    return {8, 8};
  if (hasAtLeastNRegions<4>(op))
    return {4, kAny};
  if (hasAtLeastNRegions<3>(op))
    return {3, kAny};
  if (hasAtLeastNRegions<2>(op))
    return {2, kAny};
  // Variadic regions (or more than 8): at least one; the op's verifier
  // has the last word.
  return {1, kAny};
}

FailureOr<Attribute> Importer::pluginArgument(RegisteredOperationName op,
                                              StringRef what, OptionReader &r,
                                              StringRef arg) {
  std::optional<HValue> v = r.value(arg);
  if (!v)
    return failure();
  // The spellings a YAML value may have as an attribute; the first that
  // the op's constraint for `arg` accepts is used.
  MLIRContext *ctx = &src.context;
  Builder b(ctx);
  SmallVector<Attribute> candidates;
  switch (v->kind) {
  case HValue::Kind::Int:
    candidates.push_back(b.getI64IntegerAttr(v->i));
    if (v->i >= INT32_MIN && v->i <= INT32_MAX)
      candidates.push_back(b.getI32IntegerAttr(int32_t(v->i)));
    candidates.push_back(b.getIndexAttr(v->i));
    candidates.push_back(b.getF64FloatAttr(double(v->i)));
    candidates.push_back(b.getF32FloatAttr(float(v->i)));
    break;
  case HValue::Kind::Float:
    candidates.push_back(b.getF64FloatAttr(v->f));
    candidates.push_back(b.getF32FloatAttr(float(v->f)));
    break;
  case HValue::Kind::Bool:
    candidates.push_back(b.getBoolAttr(v->b));
    break;
  case HValue::Kind::String:
    candidates.push_back(b.getStringAttr(v->s));
    break;
  }
  Location loc = src.loc(r.node(arg));
  std::string firstReason;
  for (Attribute candidate : candidates) {
    std::string reason;
    LogicalResult ok = failure();
    {
      ScopedDiagnosticHandler quiet(ctx, [&](Diagnostic &d) {
        if (reason.empty())
          reason = d.str();
        return success();
      });
      NamedAttrList one;
      one.set(arg, candidate);
      ok = op.verifyInherentAttrs(one, [&] { return emitError(loc); });
    }
    if (succeeded(ok))
      return candidate;
    if (firstReason.empty())
      firstReason = reason;
  }
  src.error(r.node(arg)) << what << " cannot take " << v->str() << " for '"
                         << arg << "': " << firstReason;
  return failure();
}

FailureOr<Value> Importer::emitPluginOp(StringRef kind, const YAML::Node &key,
                                        const YAML::Node &value, Value input,
                                        const NodeContext &nc) {
  std::string what = "'" + kind.str() + "'";
  StringRef ns = kind.split('.').first;
  std::vector<std::string> plugins = pluginCombinators();
  auto listPlugins = [&] {
    return plugins.empty() ? std::string("none loaded")
                           : joinNames(plugins);
  };
  if (ns == "olm") {
    src.error(key) << "unknown node kind '" << kind
                   << "': olm ops are written by their YAML names ("
                   << joinNames(kStructureKinds) << ", "
                   << joinNames(layerKinds()) << ")";
    return failure();
  }
  if (!src.context.getOrLoadDialect(ns)) {
    src.error(key) << "unknown node kind '" << kind << "': no dialect '" << ns
                   << "' is loaded; a plugin combinator needs its dialect "
                      "plugin (olmc compile --load-dialect-plugin=LIB.so)"
                   << (plugins.empty()
                           ? std::string()
                           : didYouMean(kind, plugins) +
                                 " (plugin combinators: " + listPlugins() +
                                 ")");
    return failure();
  }
  std::optional<RegisteredOperationName> op =
      RegisteredOperationName::lookup(kind, &src.context);
  if (!op || !op->hasInterface<olm::CombinatorOpInterface>()) {
    auto diag = src.error(key);
    if (!op)
      diag << "unknown node kind '" << kind << "': dialect '" << ns
           << "' has no op of that name";
    else
      diag << what << " is not a combinator (it does not implement "
                      "CombinatorOpInterface)";
    diag << didYouMean(kind, plugins) << " (plugin combinators: "
         << listPlugins() << ")";
    return failure();
  }

  // Arguments are the op's inherent attributes, except the ones the
  // frontend sets itself.
  std::vector<std::string> args;
  for (StringAttr a : op->getAttributeNames())
    if (a.getValue() != "params" && a.getValue() != "name")
      args.push_back(a.str());
  std::vector<std::string> allowed = {"name", "body", "children", "weights"};
  for (const std::string &a : args)
    if (!llvm::is_contained(allowed, a))
      allowed.push_back(a);
  OptionReader r(src, value, *nc.scope, what, key);
  if (failed(r.checkKeys(allowed)))
    return failure();

  std::vector<YAML::Node> children;
  if (failed(readChildren(r, children)))
    return failure();
  auto [minChildren, maxChildren] = childRange(*op);
  if (children.size() < minChildren || children.size() > maxChildren) {
    auto diag = src.error(key);
    diag << what << " takes ";
    if (minChildren == maxChildren)
      diag << minChildren << (minChildren == 1 ? " child" : " children");
    else if (maxChildren == ~0u)
      diag << "at least " << minChildren << " children";
    else
      diag << minChildren << " to " << maxChildren << " children";
    diag << ", got " << children.size();
    if (children.empty())
      diag << " (give one with 'body' or several with 'children')";
    return failure();
  }

  NamedAttrList attrs;
  for (const std::string &arg : args) {
    if (!r.has(arg))
      continue;
    FailureOr<Attribute> attr = pluginArgument(*op, what, r, arg);
    if (failed(attr))
      return failure();
    attrs.set(arg, *attr);
  }
  NodeContext inner;
  if (failed(readName(r, nc, inner, attrs)))
    return failure();
  bool hasParams = llvm::any_of(op->getAttributeNames(), [](StringAttr a) {
    return a.getValue() == "params";
  });
  if (hasParams)
    attrs.set("params", b().getDictionaryAttr({}));

  // The result: what the op infers, else the children's common output
  // type, else the input's.
  FailureOr<Value> result = buildStructureOp(
      kind, key, input, children.size(), attrs,
      [&](unsigned i, Value arg) { return emitBody(children[i], arg, inner); },
      [&](ArrayRef<Type> outs) -> Type {
        if (!outs.empty() && llvm::all_equal(outs))
          return outs[0];
        return input.getType();
      });
  if (failed(result))
    return failure();
  Operation *created = result->getDefiningOp();
  if (auto infer = dyn_cast<InferTypeOpInterface>(created)) {
    SmallVector<Type> types;
    if (succeeded(infer.inferReturnTypes(
            &src.context, created->getLoc(), created->getOperands(),
            created->getRawDictionaryAttrs(), created->getPropertiesStorage(),
            created->getRegions(), types)) &&
        types.size() == 1)
      created->getResult(0).setType(types[0]);
  }

  // Parameters: the roles the op's attributes call for, named like a
  // layer's (the node's path and the role) unless 'weights' says otherwise.
  std::vector<std::string> roles;
  if (auto layer = dyn_cast<olm::LayerOpInterface>(created))
    for (const olm::ParamSpec &spec : layer.getParamSpecs())
      roles.push_back(spec.role);
  std::map<std::string, std::string> names;
  if (failed(readWeightNames(r, what, nc, inner, roles, names)))
    return failure();
  if (hasParams) {
    SmallVector<NamedAttribute> params;
    for (auto &[role, name] : names)
      params.push_back(b().getNamedAttr(role, b().getStringAttr(name)));
    created->setAttr("params", b().getDictionaryAttr(params));
  }
  return created->getResult(0);
}

/// Finds the first byte that makes `text` not UTF-8 text (or a NUL).
std::optional<size_t> findNonText(StringRef text) {
  const auto *begin = reinterpret_cast<const UTF8 *>(text.data());
  const auto *p = begin;
  const auto *end = begin + text.size();
  while (p < end) {
    if (*p == 0)
      return p - begin;
    if (*p < 0x80) {
      ++p;
      continue;
    }
    unsigned len = getNumBytesForUTF8(*p);
    if (p + len > end || !isLegalUTF8Sequence(p, p + len))
      return p - begin;
    p += len;
  }
  return std::nullopt;
}

std::pair<int, int> lineColOf(StringRef text, size_t offset) {
  int line = 0, col = 0;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 0;
    } else {
      ++col;
    }
  }
  return {line, col};
}

} // namespace

OwningOpRef<ModuleOp> importModelYAML(MLIRContext &context, StringRef fileName,
                                      StringRef text,
                                      const ImportLimits &limits) {
  context.loadDialect<olm::OLMDialect, arith::ArithDialect, math::MathDialect,
                      tensor::TensorDialect>();
  SourceInfo src(context, fileName, limits);
  if (text.size() > limits.maxFileBytes) {
    emitError(src.loc(0, 0)) << "file is " << text.size()
                             << " bytes; model files are limited to "
                             << limits.maxFileBytes << " bytes";
    return nullptr;
  }
  if (text.trim().empty()) {
    emitError(src.loc(0, 0)) << "empty model file: expected a mapping with "
                                "'model' and 'structure'";
    return nullptr;
  }
  if (auto bad = findNonText(text)) {
    auto [line, col] = lineColOf(text, *bad);
    emitError(src.loc(line, col))
        << "not a text file: byte 0x"
        << llvm::utohexstr(uint8_t(text[*bad]), /*LowerCase=*/true, 2)
        << " is not valid UTF-8 text";
    return nullptr;
  }
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::Exception &e) {
    emitError(src.loc(e.mark.line, e.mark.column))
        << "malformed YAML: " << e.msg;
    return nullptr;
  }
  try {
    OpBuilder builder(&context);
    Importer importer(src, builder);
    return importer.run(root);
  } catch (const YAML::Exception &e) {
    emitError(src.loc(e.mark.line, e.mark.column))
        << "malformed YAML: " << e.msg;
    return nullptr;
  }
}

} // namespace olmc
