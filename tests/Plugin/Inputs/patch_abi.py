"""Copies a dialect plugin, rewriting its olmc ABI stamp to another olmc
version (same length, so the library stays valid): what a plugin built
against another olmc looks like to the loader.

  patch_abi.py IN.so OUT.so
"""
import re
import sys

data = open(sys.argv[1], "rb").read()
stamp = re.compile(rb"olmc (\d+\.\d+\.\d+) \(olm dialect ([0-9a-f]{12})")
m = stamp.search(data)
if not m:
    sys.exit("no olmc ABI stamp in " + sys.argv[1])
old_version = re.sub(rb"\d", b"9", m.group(1))
new = b"olmc " + old_version + b" (olm dialect " + b"0123456789ab"
assert len(new) == m.end() - m.start()
data = data[:m.start()] + new + data[m.end():]
open(sys.argv[2], "wb").write(data)
