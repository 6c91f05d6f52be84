#!/usr/bin/env python3
"""Prints an .olmx artifact's target, dtype, device kernel count and
sections (each with what its bytes start as), read straight from the
container layout of docs/artifact-format.md, independently of the runtime.
"""
import json
import struct
import sys

data = open(sys.argv[1], "rb").read()
assert data[:8] == b"OLMX\r\n\x1a\n", "not an artifact"
# Header: magic, format version (u32), flags (u32), manifest offset/size,
# section table offset/count (u64 each).
_, _, moff, msize, toff, count = struct.unpack_from("<IIQQQQ", data, 8)
manifest = json.loads(data[moff:moff + msize])
print("target:", json.dumps(manifest["target"], sort_keys=True))
print("dtype:", manifest["model"]["dtype"])
print("device_kernels:", len(manifest.get("device_kernels", [])))
print("vocab:", manifest["model"]["vocab"], "logits_row_stride:",
      manifest["model"].get("logits_row_stride", "absent"))
print("kernels:", " ".join(manifest["kernels"]))
for i in range(count):
    entry = data[toff + 48 * i: toff + 48 * (i + 1)]
    name = entry[:32].split(b"\0")[0].decode()
    off, size = struct.unpack_from("<QQ", entry, 32)
    body = data[off:off + size]
    head = "ELF" if body[:4] == b"\x7fELF" else body.split(b"\n")[0].decode()
    if name == "code.cuda.ptx":
        head = [l for l in body.decode().splitlines() if l.startswith(".version")][0]
    print("section", name, head)
