"""Checks that a compiled model reads exactly the tensors of a checkpoint.

Usage: check_checkpoint_names.py PRIM.mlir MODEL.safetensors

PRIM.mlir is `olmc compile --compile-to=prim` output, whose olm.weight ops
list the checkpoint tensors they read as `sources = [{shape = array<i64:
...>, tensor = "NAME"}]`. Every such tensor must be in the safetensors header
with that shape, and every tensor of the checkpoint must be read. Prints the
differences and exits 1 on any; prints "ok: N tensors" otherwise.
"""

import json
import re
import struct
import sys

SOURCE = re.compile(r'\{shape = array<i64(?::\s*([0-9, ]*))?>, tensor = "([^"]+)"\}')


def checkpoint_shapes(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
    header.pop("__metadata__", None)
    return {name: list(info["shape"]) for name, info in header.items()}


def compiled_shapes(path):
    shapes = {}
    with open(path) as f:
        for line in f:
            if "olm.weight" not in line:
                continue
            for dims, name in SOURCE.findall(line):
                shapes[name] = [int(d) for d in dims.split(",")] if dims else []
    return shapes


def main():
    compiled = compiled_shapes(sys.argv[1])
    stored = checkpoint_shapes(sys.argv[2])
    problems = []
    for name in sorted(set(compiled) - set(stored)):
        problems.append(f"not in the checkpoint: {name}")
    for name in sorted(set(stored) - set(compiled)):
        problems.append(f"not read by the model: {name}")
    for name in sorted(set(stored) & set(compiled)):
        if stored[name] != compiled[name]:
            problems.append(
                f"shape of {name}: checkpoint {stored[name]}, model {compiled[name]}"
            )
    if not compiled:
        problems.append("no olm.weight sources found in " + sys.argv[1])
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print(f"ok: {len(compiled)} tensors")


if __name__ == "__main__":
    main()
