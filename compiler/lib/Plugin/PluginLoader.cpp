//===- PluginLoader.cpp - loading olmc dialect plugins --------------------===//
#include "olmc/Plugin/PluginLoader.h"
#include "olmc/Plugin/DialectPlugin.h"

#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

using namespace llvm;

namespace olmc {

StringRef hostPluginABI() { return OLMC_PLUGIN_ABI; }

namespace {

Error fail(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

/// The stamp as printable text: up to the first NUL, at most 200 bytes,
/// anything unprintable shown as '?'.
std::string printable(StringRef bytes) {
  bytes = bytes.take_until([](char c) { return c == '\0'; });
  std::string out;
  for (char c : bytes.take_front(200))
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (bytes.size() > 200)
    out += "...";
  return out;
}

} // namespace

Error checkDialectPlugin(StringRef path) {
  if (!sys::fs::exists(path))
    return fail("cannot load dialect plugin '" + path +
                "': no such file");
  Expected<object::OwningBinary<object::ObjectFile>> file =
      object::ObjectFile::createObjectFile(path);
  if (!file)
    return fail("cannot load dialect plugin '" + path +
                "': not a shared library (" + toString(file.takeError()) +
                ")");
  const object::ObjectFile &obj = *file->getBinary();
  for (const object::SectionRef &section : obj.sections()) {
    Expected<StringRef> name = section.getName();
    if (!name) {
      consumeError(name.takeError());
      continue;
    }
    if (*name != OLMC_PLUGIN_ABI_SECTION)
      continue;
    Expected<StringRef> contents = section.getContents();
    if (!contents)
      return fail("cannot load dialect plugin '" + path +
                  "': unreadable ABI stamp (" +
                  toString(contents.takeError()) + ")");
    std::string stamp = printable(*contents);
    if (stamp != hostPluginABI())
      return fail("dialect plugin '" + path + "' was built against " +
                  stamp + ", but this is " + hostPluginABI() +
                  "; rebuild the plugin against this olmc's CMake package");
    return Error::success();
  }
  return fail("'" + path +
              "' is not an olmc dialect plugin: it carries no olmc ABI "
              "stamp (section " OLMC_PLUGIN_ABI_SECTION
              "); build it with olmc_add_dialect_plugin and "
              "OLMC_DIALECT_PLUGIN from olmc's CMake package");
}

Error loadDialectPlugin(StringRef path, mlir::DialectRegistry *registry) {
  if (Error e = checkDialectPlugin(path))
    return e;
  // The file that was checked: dlopen would look a name without a slash up
  // in the library search path instead.
  SmallString<256> absolute(path);
  (void)sys::fs::make_absolute(absolute);
  Expected<mlir::DialectPlugin> plugin =
      mlir::DialectPlugin::load(absolute.str().str());
  if (!plugin) {
    std::string reason = toString(plugin.takeError());
    return fail("cannot load dialect plugin '" + path + "': " + reason);
  }
  if (registry)
    plugin->registerDialectRegistryCallbacks(*registry);
  return Error::success();
}

} // namespace olmc
