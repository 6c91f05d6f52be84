#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/.

  python3 tests/fuzz/make_corpus.py --olmc build/bin/olmc

fuzz_yaml gets the model files of configs/ and tests/Frontend/ (examples
and the catalogue of errors), fuzz_npy the fixtures of
tests/unit/runtime_io/Inputs plus a few written here, fuzz_safetensors small
files written here (every dtype, metadata, empty and scalar tensors),
fuzz_artifact artifacts that olmc compiles from the tiny configs (and the
GPT-NeoX golden config, for the qkv permutation) with --max-seq 8, their
code section cut to 64 bytes: the loader never looks inside it, and small
seeds keep the fuzzer fast; fuzz_tokenizer gets the tokenizer.json
fixtures of tests/tokenizer/Inputs cut down to a few KB each (the
characters of a sample text and the first merges over them), each followed
by a NUL byte and that text. Needs only the Python standard library.

Give target names (fuzz_artifact, ...) to rewrite only those corpora; the
artifacts must be remade whenever the manifest format or
kOlmxAbiVersion (runtime/include/olmrt/GeneratedABI.h) changes, or the
fuzzer stops at the abi_version check.
"""

import argparse
import hashlib
import json
import os
import shutil
import struct
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")


def target_dir(name):
    path = os.path.join(CORPUS, name)
    os.makedirs(path, exist_ok=True)
    return path


def copy_files(src_dir, suffix, dst_dir, prefix=""):
    for name in sorted(os.listdir(src_dir)):
        if name.endswith(suffix):
            shutil.copy(os.path.join(src_dir, name), os.path.join(dst_dir, prefix + name))


# --- fuzz_yaml -------------------------------------------------------------

def yaml_seeds():
    out = target_dir("fuzz_yaml")
    copy_files(os.path.join(ROOT, "configs"), ".yaml", out, "config-")
    copy_files(os.path.join(ROOT, "tests", "Frontend"), ".yaml", out, "frontend-")
    copy_files(os.path.join(ROOT, "tests", "Frontend", "errors"), ".yaml", out, "error-")


# --- fuzz_npy --------------------------------------------------------------

def npy_bytes(descr, shape, data, version=(1, 0), fortran=False, shape_text=None):
    if shape_text is None:
        shape_text = "(%s,)" % shape[0] if len(shape) == 1 else str(tuple(shape))
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
        descr, "True" if fortran else "False", shape_text)
    length_bytes = 2 if version[0] == 1 else 4
    total = 8 + length_bytes + len(header) + 1
    header += " " * ((-total) % 64) + "\n"
    fmt = "<H" if length_bytes == 2 else "<I"
    return (b"\x93NUMPY" + bytes(version) + struct.pack(fmt, len(header)) +
            header.encode("latin-1") + data)


def npy_seeds():
    out = target_dir("fuzz_npy")
    copy_files(os.path.join(ROOT, "tests", "unit", "runtime_io", "Inputs"), ".npy", out)
    seeds = {
        "long-dims.npy": npy_bytes("<i4", (2,), struct.pack("<2i", 1, 2),
                                   shape_text="(2L,)"),
        "u2-3x1.npy": npy_bytes("<u2", (3, 1), struct.pack("<3H", 1, 2, 3)),
        "i1-2.npy": npy_bytes("|i1", (2,), b"\x01\xff"),
        "f2-v2.npy": npy_bytes("<f2", (1,), b"\x00\x3c", version=(2, 0)),
        "u8-v3-empty.npy": npy_bytes("<u8", (0, 4), b"", version=(3, 0)),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


# --- fuzz_safetensors ------------------------------------------------------

def safetensors_bytes(tensors, metadata=None, pad=True):
    header = {}
    data = b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * ((-len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + data


def safetensors_seeds():
    out = target_dir("fuzz_safetensors")
    copy_files(os.path.join(ROOT, "tests", "unit", "runtime_io", "Inputs"),
               ".safetensors", out)
    every = [
        ("f64", "F64", [2], struct.pack("<2d", 1.5, -2.0)),
        ("f32", "F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4)),
        ("f16", "F16", [3], struct.pack("<3H", 0x3C00, 0x0001, 0x7C01)),
        ("bf16", "BF16", [2], struct.pack("<2H", 0x3F80, 0xFF80)),
        ("i64", "I64", [1], struct.pack("<q", -7)),
        ("i32", "I32", [1], struct.pack("<i", 7)),
        ("i16", "I16", [2], struct.pack("<2h", -1, 1)),
        ("i8", "I8", [1], b"\x80"),
        ("u64", "U64", [1], struct.pack("<Q", 2**64 - 1)),
        ("u32", "U32", [1], struct.pack("<I", 5)),
        ("u16", "U16", [1], struct.pack("<H", 5)),
        ("u8", "U8", [3], b"\x00\x01\x02"),
        ("bool", "BOOL", [2], b"\x00\x02"),
    ]
    seeds = {
        "every-dtype.safetensors": safetensors_bytes(every),
        "metadata.safetensors": safetensors_bytes(
            [("w", "F32", [1], struct.pack("<f", 1))], {"format": "pt"}),
        "empty-and-scalar.safetensors": safetensors_bytes(
            [("empty", "F32", [0, 3], b""), ("scalar", "F32", [], struct.pack("<f", 2))]),
        "unpadded.safetensors": safetensors_bytes(
            [("a.weight", "BF16", [1, 3], b"\x80\x3f" * 3)], pad=False),
        "no-tensors.safetensors": safetensors_bytes([], {}),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


# --- fuzz_artifact ---------------------------------------------------------

MAGIC = b"OLMX\r\n\x1a\n"


def read_artifact(path):
    data = open(path, "rb").read()
    assert data[:8] == MAGIC
    manifest_offset, manifest_size, table_offset, count, _ = struct.unpack_from("<5Q", data, 16)
    manifest = data[manifest_offset:manifest_offset + manifest_size]
    sections = []
    for i in range(count):
        entry = data[table_offset + 48 * i:table_offset + 48 * (i + 1)]
        offset, size = struct.unpack_from("<QQ", entry, 32)
        sections.append((entry[:32].rstrip(b"\0"), data[offset:offset + size]))
    return manifest, sections


def write_artifact(manifest, sections):
    """The layout of runtime/lib/io/ArtifactWriter.cpp."""
    align = lambda x: (x + 63) // 64 * 64
    offset = 64 + len(manifest)
    offsets = []
    for _, body in sections:
        offset = align(offset)
        offsets.append(offset)
        offset += len(body)
    table_offset = align(offset)
    size = table_offset + 48 * len(sections) + 32
    out = bytearray(MAGIC + struct.pack("<IIQQQQQ", 1, 0, 64, len(manifest),
                                        table_offset, len(sections), size))
    out += b"\0" * (64 - len(out))
    out += manifest
    for (_, body), at in zip(sections, offsets):
        out += b"\0" * (at - len(out)) + body
    out += b"\0" * (table_offset - len(out))
    for (name, body), at in zip(sections, offsets):
        out += name.ljust(32, b"\0") + struct.pack("<QQ", at, len(body))
    out += hashlib.sha256(out).digest()
    return bytes(out)


def artifact_seeds(olmc):
    out = target_dir("fuzz_artifact")
    with tempfile.TemporaryDirectory() as tmp:
        models = [os.path.join(ROOT, "configs", c + ".yaml")
                  for c in ("tiny-llama", "tiny-gpt2", "tiny-wide-mlp")]
        neox = os.path.join(tmp, "gpt_neox.yaml")
        subprocess.run([olmc, "import-hf",
                        os.path.join(ROOT, "tests", "golden", "gpt_neox", "config.json"),
                        "-o", neox], check=True)
        models.append(neox)
        for model in models:
            name = os.path.splitext(os.path.basename(model))[0]
            artifact = os.path.join(tmp, name + ".olmx")
            subprocess.run([olmc, "compile", model, "-o", artifact, "--max-seq", "8"],
                           check=True)
            manifest, sections = read_artifact(artifact)
            sections = [(n, body[:64]) for n, body in sections]
            with open(os.path.join(out, name + ".olmx"), "wb") as f:
                f.write(write_artifact(manifest, sections))
        # Layout variety: no sections, an empty one and a second one.
        manifest, sections = read_artifact(os.path.join(tmp, "tiny-llama.olmx"))
        with open(os.path.join(out, "two-sections.olmx"), "wb") as f:
            f.write(write_artifact(manifest, [(b"code.cpu.so", sections[0][1][:64]),
                                              (b"empty", b"")]))
        with open(os.path.join(out, "no-sections.olmx"), "wb") as f:
            f.write(write_artifact(b"{}", []))


# --- fuzz_tokenizer --------------------------------------------------------

# Fixture -> the text appended to it: a sample every seed shares (English
# with contractions, numbers and runs of white space, accented letters, an
# emoji, a lone invalid byte) and the fixture's added tokens.
TOKENIZER_TEXT = ("Hello world! It's 2024, we'll pay \u20ac1,299.99 today.\n\n"
                  "  Caf\u00e9 na\u00efve \u00fcber \u4e16\u754c \U0001F600\tdone ")
TOKENIZERS = {
    "gpt2_prefix": "<|endoftext|> New York olmc <mask> <sep>  tok",
    "llama3": "<|begin_of_text|>I'M here<|eot_id|>",
    "qwen2": "<|im_start|>user\nCafe\u0301<|im_end|>",
    "sp_llama2": "<s>Hi</s> <unk>",
    "sp_metaspace": "<s> \u2581x\u2581 </s>",
    "sp_metaspace_split": "<s>a  b</s>",
}
MERGES_KEPT = 60


def bytes_to_unicode():
    """GPT-2's byte -> character table of byte-level BPE."""
    bs = (list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) +
          list(range(0xAE, 0x100)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def trimmed_tokenizer(doc, text):
    """`doc` with the vocab cut to the characters of `text` (as the model
    spells them: byte-level characters or <0xNN> byte tokens for the
    non-ASCII ones when byte_fallback is on) and the first MERGES_KEPT merges
    whose parts are kept; ids stay as they are."""
    model = doc["model"]
    vocab = model["vocab"]
    raw = text.encode("utf-8")
    if "\u0120" in vocab:  # Byte-level: 'Ġ' is the space.
        table = bytes_to_unicode()
        base = {table[b] for b in raw}
    else:
        base = set(text) | {"\u2581"}
        base |= {"<0x%02X>" % b for b in raw if b >= 0x80 or b < 0x20}
    keep = {t for t in vocab if t in base}
    if model.get("unk_token"):
        keep.add(model["unk_token"])
    merges = []
    for merge in model["merges"]:
        a, b = merge.split(" ") if isinstance(merge, str) else merge
        if a in keep and b in keep and a + b in vocab:
            keep.add(a + b)
            merges.append(merge)
            if len(merges) == MERGES_KEPT:
                break
    model["vocab"] = {t: i for t, i in vocab.items() if t in keep}
    model["merges"] = merges
    return doc


def tokenizer_seeds():
    out = target_dir("fuzz_tokenizer")
    inputs = os.path.join(ROOT, "tests", "tokenizer", "Inputs")
    for name, extra in TOKENIZERS.items():
        text = TOKENIZER_TEXT + extra
        with open(os.path.join(inputs, name + ".json"), encoding="utf-8") as f:
            doc = trimmed_tokenizer(json.load(f), text)
        body = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        with open(os.path.join(out, name + ".json"), "wb") as f:
            f.write(body.encode("utf-8") + b"\0" + text.encode("utf-8") + b"\xff")


SEEDS = {
    "fuzz_yaml": lambda args: yaml_seeds(),
    "fuzz_npy": lambda args: npy_seeds(),
    "fuzz_safetensors": lambda args: safetensors_seeds(),
    "fuzz_artifact": lambda args: artifact_seeds(args.olmc),
    "fuzz_tokenizer": lambda args: tokenizer_seeds(),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--olmc", default=os.path.join(ROOT, "build", "bin", "olmc"))
    parser.add_argument("targets", nargs="*", choices=[[]] + sorted(SEEDS),
                        help="corpora to rewrite (default: all)")
    args = parser.parse_args()
    for target in args.targets or SEEDS:
        SEEDS[target](args)


if __name__ == "__main__":
    main()
