# lit configuration for olmc.
import os
import lit.formats

config.name = "olmc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".yaml", ".test", ".json"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.olmc_obj_root, "tests")
# Inputs that are not tests themselves.
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "Inputs", "unit", "gpu",
                   "golden", "fuzz", "CMakeLists.txt"]

config.environment["PATH"] = os.pathsep.join(
    [config.olmc_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", os.environ["PATH"])])
config.substitutions.append(("%olmc_src", config.olmc_src_root))
config.substitutions.append(("%configs", os.path.join(config.olmc_src_root, "configs")))
config.substitutions.append(("%golden", os.path.join(config.olmc_src_root, "tests", "golden")))
config.substitutions.append(("%python", "python3"))

# ptxas (CUDA toolkit) assembles the cuda target's PTX where it is installed.
import shutil
ptxas = shutil.which("ptxas") or (
    "/usr/local/cuda/bin/ptxas" if os.access("/usr/local/cuda/bin/ptxas", os.X_OK) else None)
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
