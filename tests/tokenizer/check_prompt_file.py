#!/usr/bin/env python3
"""`run --tokenizer T.json --prompt-file F` against `--prompt` alone.

For each fixture tokenizer, with a model compiled for a --max-batch of 3:

- greedy: the text printed under "== prompt K ==" equals what
  `run --prompt P` prints for that prompt alone, and so do the new-token
  counts and stop reasons of the summary lines;
- the batches are those the documented rule gives, computed here from the
  prompts' token counts (`tokenize --add-special-tokens`): prompts of one
  length together, up to max_batch, ordered by their first prompt (the
  prompts are chosen so that some batch holds several prompts and one
  length has more prompts than a batch takes);
- with --stop (sequences of a batch ending at different steps), --eos, and
  seeded sampling (prompt K draws as --prompt with --seed S+K-1; the same
  command twice gives the same output);
- a .jsonl file gives prompts with newlines; a plain file with CRLF line
  ends and a byte order mark the same prompts as with LF, empty lines
  skipped.

Prints one "NAME ok" line per tokenizer, then "N passed, M failed".
"""

import argparse
import json
import os
import re
import subprocess
import sys

BATCH = re.compile(
    r"^batch (\d+) of (\d+): prompts? ([0-9, ]+) \((\d+) tokens(?: each)?\); "
    r"new tokens: (.*); prefill: [0-9.]+ ms, decode: [0-9.]+ tok/s$")
ALONE = re.compile(
    r"^prompt tokens: (\d+), new tokens: (\d+) \((eos|stop|length)\), "
    r"prefill: [0-9.]+ ms, decode: [0-9.]+ tok/s$")

PROMPTS = ["Hello world", "The cat sat", "naïve café", "Hello world",
           "one two three", "Hello world", "x", "中文 text", "2024!",
           "Hello world", "The cat sat"]
MAX_BATCH = 3


def run(args):
    p = subprocess.run(args, capture_output=True)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (
            " ".join(args), p.returncode, p.stderr.decode(errors="replace")))
    return p


def split_outputs(stdout, count):
    """The texts under "== prompt 1 ==" ... "== prompt count ==", in order."""
    texts = []
    rest = stdout
    for k in range(1, count + 1):
        header = b"== prompt %d ==\n" % k
        assert rest.startswith(header), (k, rest[:80])
        rest = rest[len(header):]
        end = rest.find(b"\n== prompt %d ==\n" % (k + 1)) if k < count \
            else len(rest) - 1
        assert end >= 0 and rest[end:end + 1] == b"\n", (k, rest[:80])
        texts.append(rest[:end])
        rest = rest[end + 1:]
    assert rest == b"", rest[:80]
    return texts


def expected_batches(lengths):
    batches, open_batch = [], {}
    for k, n in enumerate(lengths, 1):
        b = open_batch.get(n)
        if b is None or len(batches[b]) >= MAX_BATCH:
            open_batch[n] = b = len(batches)
            batches.append([])
        batches[b].append(k)
    return batches


def parse_batches(stderr):
    """[(prompt numbers, tokens, ["12 (length)", ...])] from the summaries."""
    out = []
    lines = stderr.decode().splitlines()
    for i, line in enumerate(lines, 1):
        m = BATCH.match(line)
        assert m, line
        assert int(m.group(1)) == i and int(m.group(2)) == len(lines), line
        numbers = [int(n) for n in m.group(3).split(", ")]
        out.append((numbers, int(m.group(4)), m.group(5).split(", ")))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--olmc", default="olmc")
    ap.add_argument("--model", required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--tmp", required=True)
    opts = ap.parse_args()
    passed = failed = 0
    plain = os.path.join(opts.tmp, "prompts.txt")
    with open(plain, "w", encoding="utf-8") as f:
        f.write("\n".join(PROMPTS[:3]) + "\n\n" + "\n".join(PROMPTS[3:]) +
                "\n")
    crlf = os.path.join(opts.tmp, "prompts-crlf.txt")
    with open(crlf, "wb") as f:
        f.write(b"\xef\xbb\xbf" + "\r\n".join(PROMPTS).encode() + b"\r\n")
    lined = ["first line\nsecond line", "tab\there", "Hello world",
             "end with a newline\n"]
    jsonl = os.path.join(opts.tmp, "prompts.jsonl")
    with open(jsonl, "w", encoding="utf-8") as f:
        f.write(json.dumps(lined[0]) + "\n   \n")
        for p in lined[1:]:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")

    for name in ["llama3", "sp_llama2", "qwen2"]:
        tok = "%s/%s.json" % (opts.inputs, name)
        base = [opts.olmc, "run", opts.model, "--weights", opts.weights,
                "--tokenizer", tok, "--max-new-tokens", "10"]
        try:
            lengths = [len(run([opts.olmc, "tokenize", "--tokenizer", tok,
                                "--text", p, "--add-special-tokens"])
                           .stdout.split()) for p in PROMPTS]
            want_batches = expected_batches(lengths)
            assert any(len(b) > 1 for b in want_batches), want_batches
            assert len(set(lengths)) < len(PROMPTS) - MAX_BATCH, lengths

            def check(extra, seed=None):
                """The batch run equals each prompt alone; returns stdout."""
                seeded = [] if seed is None else ["--seed", str(seed)]
                batch = run(base + extra + seeded + ["--prompt-file", plain])
                texts = split_outputs(batch.stdout, len(PROMPTS))
                got = parse_batches(batch.stderr)
                assert [g[0] for g in got] == want_batches, (got,
                                                             want_batches)
                counts = {}
                for numbers, tokens, news in got:
                    for k, new in zip(numbers, news):
                        assert tokens == lengths[k - 1], (k, tokens)
                        counts[k] = new
                for k, prompt in enumerate(PROMPTS, 1):
                    more = [] if seed is None else \
                        ["--seed", str(seed + k - 1)]
                    alone = run(base + extra + more + ["--prompt", prompt])
                    assert alone.stdout == texts[k - 1] + b"\n", (
                        k, alone.stdout, texts[k - 1])
                    m = ALONE.match(alone.stderr.decode().strip())
                    assert m, alone.stderr
                    assert counts[k] == "%s (%s)" % (m.group(2), m.group(3)), (
                        k, counts[k], m.groups())
                return batch.stdout, texts

            stdout, texts = check([])
            # The same prompt gives the same greedy text in any batch.
            for k, prompt in enumerate(PROMPTS):
                assert texts[k] == texts[PROMPTS.index(prompt)], k
            # CRLF line ends and a byte order mark: the same prompts.
            assert run(base + ["--prompt-file", crlf]).stdout == stdout

            # A stop string that ends some sequences of a batch early.
            text = texts[0].decode("utf-8")
            if len(text) >= 4:
                check(["--stop", text[len(text) // 2:len(text) // 2 + 1]])
            # An end-of-sequence id: the third token of "Hello world"'s
            # text, whatever it is, as found by --prompt alone.
            ids = run([opts.olmc, "tokenize", "--tokenizer", tok, "--text",
                       "Hello world", "--add-special-tokens"]).stdout.split()
            out = run([opts.olmc, "run", opts.model, "--weights",
                       opts.weights, "--tokens",
                       b",".join(ids).decode(), "--max-new-tokens",
                       "10"]).stdout.split()
            check(["--eos", out[2].decode()])

            # Sampling: prompt K as --seed 7+K-1; reproducible.
            sample = ["--temperature", "1.3", "--top-k", "60", "--top-p",
                      "0.97", "--repetition-penalty", "1.1"]
            a, _ = check(sample, seed=7)
            b = run(base + sample + ["--seed", "7", "--prompt-file",
                                     plain]).stdout
            assert a == b, (a, b)

            # JSON lines: prompts with newlines and tabs.
            p = run(base + ["--prompt-file", jsonl])
            texts = split_outputs(p.stdout, len(lined))
            for k, prompt in enumerate(lined):
                alone = run(base + ["--prompt", prompt])
                assert alone.stdout == texts[k] + b"\n", (k, alone.stdout)
            print("%s ok" % name)
            passed += 1
        except (AssertionError, RuntimeError) as e:
            print("%s FAILED: %r" % (name, e))
            failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
