#!/usr/bin/env python3
"""`run --tokenizer T.json --prompt TEXT` end to end, against the id path.

For each fixture tokenizer, with a compiled model and weights:

- greedy text equals `tokenize --decode` of what `run --tokens` generates
  for the prompt's ids (cut at the first end-of-sequence token), so the
  streamed pieces, multi-byte characters split across tokens included, add
  up to the full decode;
- a --stop string cuts the text just before it;
- --eos stops at that id;
- sampling with one --seed gives the same text twice;
- the summary line on stderr reports the prompt and new tokens.

Prints one "NAME ok" line per tokenizer, then "N passed, M failed".
"""

import argparse
import json
import re
import subprocess
import sys

SUMMARY = re.compile(
    r"^prompt tokens: (\d+), new tokens: (\d+) \((eos|stop|length)\), "
    r"prefill: [0-9.]+ ms, decode: [0-9.]+ tok/s$")


def run(args, check=True):
    p = subprocess.run(args, capture_output=True)
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (
            " ".join(args), p.returncode, p.stderr.decode(errors="replace")))
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--olmc", default="olmc")
    ap.add_argument("--model", required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--new-tokens", type=int, default=12)
    opts = ap.parse_args()
    prompt = "The quick brown fox, naïve café 中文"
    passed = failed = 0
    for name in ["llama3", "sp_llama2", "qwen2"]:
        tok = "%s/%s.json" % (opts.inputs, name)
        base = [opts.olmc, "run", opts.model, "--weights", opts.weights,
                "--tokenizer", tok, "--prompt", prompt]
        try:
            ids = run([opts.olmc, "tokenize", "--tokenizer", tok, "--text",
                       prompt, "--add-special-tokens"]).stdout.split()
            out = run([opts.olmc, "run", opts.model, "--weights",
                       opts.weights, "--tokens", ",".join(
                           i.decode() for i in ids), "--max-new-tokens",
                       str(opts.new_tokens)]).stdout.split()
            new = [int(i) for i in out]
            # The tokenizer's own end-of-text tokens stop the text path.
            eos = set()
            for special in ["<|end_of_text|>", "<|eot_id|>", "<|endoftext|>",
                            "<|im_end|>", "</s>"]:
                p = run([opts.olmc, "tokenize", "--tokenizer", tok, "--text",
                         special])
                got = p.stdout.split()
                if len(got) != 1:
                    continue
                # Special (dropped by a plain decode) and spelled so.
                plain = run([opts.olmc, "tokenize", "--tokenizer", tok,
                             "--decode", got[0].decode()]).stdout
                kept = run([opts.olmc, "tokenize", "--tokenizer", tok,
                            "--decode", got[0].decode(),
                            "--keep-special-tokens"]).stdout
                if plain == b"\n" and kept == special.encode() + b"\n":
                    eos.add(int(got[0]))
            cut = next((k for k, i in enumerate(new) if i in eos), len(new))

            # Ids the model has but the tokenizer does not decode to
            # nothing (as in HF); tokenize --decode refuses them.
            with open(tok, encoding="utf-8") as f:
                config = json.load(f)
            known = set(config["model"]["vocab"].values())
            known |= {t["id"] for t in config["added_tokens"]}

            def decode(tokens):
                tokens = [t for t in tokens if t in known]
                if not tokens:
                    return b""
                text = run([opts.olmc, "tokenize", "--tokenizer", tok,
                            "--decode", ",".join(map(str, tokens))]).stdout
                return text[:-1]  # The newline tokenize adds.

            want = decode(new[:cut])
            greedy = run(base + ["--max-new-tokens", str(opts.new_tokens)])
            assert greedy.stdout == want + b"\n", (greedy.stdout, want)
            assert greedy.stdout.decode("utf-8")  # Valid UTF-8.
            m = SUMMARY.match(greedy.stderr.decode().strip())
            assert m, greedy.stderr
            assert int(m.group(1)) == len(ids), (m.group(1), len(ids))
            assert int(m.group(2)) == min(cut + 1, len(new)), m.group(2)

            # A stop string from the middle of the text.
            text = want.decode("utf-8")
            if len(text) >= 4:
                stop = text[len(text) // 2:len(text) // 2 + 2]
                p = run(base + ["--max-new-tokens", str(opts.new_tokens),
                                "--stop", stop])
                assert p.stdout.decode() == text[:text.find(stop)] + "\n", (
                    p.stdout, stop)
                assert "(stop)" in p.stderr.decode(), p.stderr

            # --eos: the third new token ends the sequence.
            if len(new) >= 3:
                first = new.index(new[2])
                p = run(base + ["--max-new-tokens", str(opts.new_tokens),
                                "--eos", str(new[2])])
                assert p.stdout == decode(new[:first]) + b"\n", p.stdout
                assert "new tokens: %d (eos)" % (first + 1) in \
                    p.stderr.decode(), p.stderr

            # Sampling: reproducible with a seed.
            sample = base + ["--max-new-tokens", str(opts.new_tokens),
                             "--temperature", "1.2", "--top-k", "50",
                             "--top-p", "0.95", "--repetition-penalty", "1.1",
                             "--seed", "11"]
            a, b = run(sample), run(sample)
            assert a.stdout == b.stdout, (a.stdout, b.stdout)
            a.stdout.decode("utf-8")
            print("%s ok" % name)
            passed += 1
        except (AssertionError, RuntimeError) as e:
            print("%s FAILED: %r" % (name, e))
            failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
