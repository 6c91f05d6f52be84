#!/usr/bin/env python3
"""Writes the tokenizer fixtures the olmrt_tokenizer unit tests compare with.

    pip install tokenizers
    python3 tests/tokenizer/make_fixtures.py

Trains small BPE tokenizers of each kind olmrt_tokenizer implements on
Inputs/corpus.txt with Hugging Face `tokenizers`, saves each as
Inputs/<name>.json, and records in Inputs/expected.json what `tokenizers`
makes of the stress texts below: the ids of encode() with and without
special tokens, and decode() of those ids and of random id sequences, with
and without skip_special_tokens.

Texts are stored as hex bytes so that ill-formed UTF-8 can be among them;
HF encodes such input as Python's bytes.decode("utf-8", "replace") gives it.
"""

import json
import os
import random

from tokenizers import (AddedToken, Regex, Tokenizer, decoders, models,
                        normalizers, pre_tokenizers, processors, trainers)

HERE = os.path.dirname(os.path.abspath(__file__))
INPUTS = os.path.join(HERE, "Inputs")

GPT2_REGEX = (r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+"
              r"|\s+(?!\S)|\s+")
LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+"
                r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)"
                r"|\s+")
QWEN2_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+"
               r"|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")

VOCAB_SIZE = 800

STRESS_TEXTS = [
    "",
    "Hello world",
    "The quick brown fox jumps over the lazy dog.",
    " Hello  world   ",
    "   leading spaces and trailing ones   ",
    "\t\ttabs\tand\nnewlines\n\n\r\n  \n",
    "   \n   ",
    " ",
    "\n",
    "a\n\nb\r\n\r\nc \n d  \n\n  e",
    "digits 1 12 123 1234 12345 123456 1234567 3.14159 1,000,000 0x1F 2024-05-06",
    "9876543210 007 ٣٤٥ ½ ² Ⅻ",
    "punctuation!!! ?? ... --- ((x)) [a] {b} <c> @#$%^&* ,.;:'\"`~",
    "I'm you're it's we've they'll he'd DON'T I'M She'S 'll 'LL 'Ll x's 's",
    "'s 't 're 've 'm 'll 'd 'S 'T 'RE 'VE 'M 'LL 'D 'x ' s",
    "café naïve résumé Zürich Ångström façade Łódź İstanbul",
    "cafe\u0301 n\u0303o a\u0308\u0301 e\u0301\u0302 o\u0328\u0304 \u1100\u1161\u11a8",
    "Å vs A\u030a, \u212b (angstrom sign), \u00c5",
    "中文测试：你好，世界！日本語のテキスト。한국어 텍스트",
    "emoji 😀👍🏽 👨‍👩‍👧‍👦 🇩🇪 ❤️ 🤖🧠",
    "Ελληνικά Русский العربية हिन्दी עברית ไทย Tiếng Việt",
    "def f(x):\n    return x**2  # square\n\tprint(f'{x}')\n",
    "int main() {\n\treturn 0;\n}\n",
    "a\u00a0b\u2003c\u3000d\u2028e\u0085f\u1680g\u202fh",
    " \u3000x  \u00a0y",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ꙮ 𓀀 \U0001fae0",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "!!!!!!!!!!!!!!!!!!!!!!!!",
    "                                        x",
    "\u200b zero width \ufeff BOM \u00ad soft hyphen",
    "\x00\x01\x1f\x7f controls \x1c\x1d\x1e",
    "ſ 'ſ 'K \u212a",
    "x\r\ny\rz\r\n\r\n",
    "... \n\n!!\n ??\r\n",
    "The cat's toy, the dogs' bones. Don't, won't, can't.",
    "https://example.com/path?q=1&lang=en#x user@example.org 192.168.0.1:8080",
    # Added-token edge cases (gpt2_prefix): single_word next to word
    # characters (marks count, ½ does not), lstrip/rstrip, and a token that
    # starts with the space an rstrip token swallowed.
    "olmc xolmc olmcx olmc½ olmc\u093f \u094dolmc _olmc olmc_ New York  tok",
    "`<sep> tok(p a <mask> b <sep>  c <mask><mask>",
]

# Random texts from this pool (seeded), as a net for what the list misses.
RANDOM_POOL = (
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    + list("     \t\n\r'''.,;:!?-_()[]{}<>\"/\\|@#$%^&*+=~`")
    + list("éèêëàâäôöüçñßøåæœÉÅ中文字日本語한국어ไทยעבריתالعربيةहिन्दीΑαβДжЯ")
    + list("😀👍🏽❤️🇩🇪\u200d\u00a0\u2003\u3000\u2028\u0085\u200b\ufeff\x00")
    + ["e\u0301", "\u0301", "\u0328", "\u1100", "\u1161", "\u11a8", "½",
       "٣", "Ⅻ", "\u017f", "\u212b", "𝔘", "\U0001fae0", "'s", "'LL", "'Re"]
    + ["<|endoftext|>", "<|begin_of_text|>", "<|im_start|>", "<s>", "</s>",
       "<mask>", "<sep>", "olmc", "New York", " tok"])
RANDOM_TEXTS = 20


def random_texts(rng):
    out = []
    for _ in range(RANDOM_TEXTS):
        text = "".join(rng.choice(RANDOM_POOL)
                       for _ in range(rng.randint(1, 30))).encode("utf-8")
        if rng.random() < 0.2:  # Stray bytes: ill-formed UTF-8.
            raw = bytearray(text)
            raw.insert(rng.randint(0, len(raw)), rng.randint(0x80, 0xFF))
            text = bytes(raw)
        out.append(text)
    return out

# Ill-formed UTF-8 (stored as bytes).
INVALID_TEXTS = [
    b"abc\xff\xfe def",
    b"\xc3\x28 \xe2\x82 end \xf0\x9f\x98",
    b"\xed\xa0\x80 surrogate \xf4\x90\x80\x80 too big \xc0\xaf overlong",
    b"\x80\x80\x80 lone continuation \xe4\xbd",
]


def special_texts(specials):
    """Texts with the tokenizer's special tokens inside."""
    a = specials[0]
    b = specials[-1]
    return [
        "hello%sworld" % a,
        "%s" % a,
        "%s%s" % (a, b),
        " %s x %s  " % (a, b),
        "x%s %s\n%s" % (a, b, a),
        "text <not special> %s" % a[:-1],
        "%s Hello world%s" % (a, b),
    ]


def read_corpus():
    with open(os.path.join(INPUTS, "corpus.txt"), encoding="utf-8") as f:
        return f.read().splitlines()


def byte_level(split_regex, add_prefix_space=False):
    """A byte-level BPE tokenizer; split_regex None is GPT-2's ByteLevel."""
    tok = Tokenizer(models.BPE())
    if split_regex is None:
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(
            add_prefix_space=add_prefix_space, use_regex=True)
    else:
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(split_regex), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
    tok.decoder = decoders.ByteLevel()
    return tok


def train(tok, specials, **extra):
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE, special_tokens=specials, show_progress=False,
        **extra)
    tok.train_from_iterator(read_corpus(), trainer)


def make_gpt2():
    tok = byte_level(None)
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    train(tok, ["<|endoftext|>"],
          initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    return tok, ["<|endoftext|>"]


def make_gpt2_prefix(gpt2):
    """GPT-2's model with add_prefix_space and added tokens of every kind."""
    tok = Tokenizer.from_str(gpt2.to_str())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True,
                                                 use_regex=True)
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True),
                            AddedToken("<sep>", rstrip=True)])
    tok.add_tokens([AddedToken("olmc", single_word=True),
                    AddedToken("New York", normalized=True),
                    AddedToken(" tok", normalized=False)])
    return tok, ["<|endoftext|>", "<mask>", "<sep>"]


def make_llama3():
    tok = byte_level(LLAMA3_REGEX)
    tok.model = models.BPE(ignore_merges=True)
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>",
                "<|reserved_special_token_0|>"]
    train(tok, specials,
          initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    bos = tok.token_to_id("<|begin_of_text|>")
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(
            single="<|begin_of_text|> $A",
            pair="<|begin_of_text|> $A <|begin_of_text|> $B:1",
            special_tokens=[("<|begin_of_text|>", bos)]),
    ])
    return tok, specials


def make_qwen2():
    tok = byte_level(QWEN2_REGEX)
    tok.normalizer = normalizers.NFC()
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    train(tok, specials,
          initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    return tok, specials


def make_sentencepiece():
    """Llama-2 style: metaspace BPE with <0xXX> byte fallback.

    Trained on metaspace words, then rebuilt the way Llama-2's
    tokenizer.json is laid out: <unk> <s> </s>, the 256 byte tokens, the
    learned tokens; normalizer Prepend + Replace and no pre-tokenizer.
    """
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁",
                                                 prepend_scheme="always")
    train(tok, ["<unk>", "<s>", "</s>"])
    trained = json.loads(tok.to_str())
    learned = sorted(trained["model"]["vocab"].items(), key=lambda kv: kv[1])
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab["<0x%02X>" % b] = len(vocab)
    for token, _ in learned:
        if token not in vocab:
            vocab[token] = len(vocab)
    model = trained["model"]
    model.update(vocab=vocab, unk_token="<unk>", fuse_unk=True,
                 byte_fallback=True, ignore_merges=False)
    config = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": vocab[t], "content": t, "single_word": False,
             "lstrip": False, "rstrip": False, "normalized": False,
             "special": True} for t in ("<unk>", "<s>", "</s>")],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "▁"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "▁"},
        ]},
        "pre_tokenizer": None,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "<s>", "type_id": 1}},
                     {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [1],
                                       "tokens": ["<s>"]}},
        },
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
            {"type": "ByteFallback"},
            {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0},
        ]},
        "model": model,
    }
    return Tokenizer.from_str(json.dumps(config)), ["<s>", "</s>"]


def make_metaspace(sp):
    """The same model behind a Metaspace pre-tokenizer (prepend "first")
    and the Metaspace decoder, as newer Llama/Mistral conversions write."""
    config = json.loads(sp.to_str())
    config["normalizer"] = None
    config["pre_tokenizer"] = {"type": "Metaspace", "replacement": "▁",
                               "prepend_scheme": "first", "split": False}
    config["decoder"] = {"type": "Sequence", "decoders": [
        {"type": "ByteFallback"},
        {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first",
         "split": False},
        {"type": "Fuse"},
    ]}
    return Tokenizer.from_str(json.dumps(config)), ["<s>", "</s>"]


def make_metaspace_split(sp):
    """Metaspace splitting on every space, prepending always (older
    conversions), with the legacy-free decoder."""
    config = json.loads(sp.to_str())
    config["normalizer"] = None
    config["pre_tokenizer"] = {"type": "Metaspace", "replacement": "▁",
                               "prepend_scheme": "always", "split": True}
    config["decoder"] = {"type": "Metaspace", "replacement": "▁",
                         "prepend_scheme": "always", "split": True}
    config["post_processor"] = None
    return Tokenizer.from_str(json.dumps(config)), ["<s>", "</s>"]


def record(name, tok, specials, rng):
    path = os.path.join(INPUTS, name + ".json")
    tok.save(path, pretty=False)
    # Reload what was written, so the expectations are those of the file.
    tok = Tokenizer.from_file(path)
    texts = [t.encode("utf-8") for t in STRESS_TEXTS + special_texts(specials)]
    texts += INVALID_TEXTS + random_texts(random.Random(name))
    cases = []
    for raw in texts:
        text = raw.decode("utf-8", errors="replace")
        ids = tok.encode(text, add_special_tokens=False).ids
        with_special = tok.encode(text, add_special_tokens=True).ids
        cases.append({
            "text_hex": raw.hex(),
            "ids": ids,
            "ids_with_special": with_special,
            "decoded": tok.decode(with_special, skip_special_tokens=True),
            "decoded_keep_special": tok.decode(with_special,
                                               skip_special_tokens=False),
        })
    # Random id sequences: partial characters, byte tokens out of order,
    # special tokens anywhere.
    size = tok.get_vocab_size(with_added_tokens=True)
    decode_cases = []
    for _ in range(30):
        ids = [rng.randrange(size) for _ in range(rng.randint(1, 12))]
        decode_cases.append({
            "ids": ids,
            "decoded": tok.decode(ids, skip_special_tokens=True),
            "decoded_keep_special": tok.decode(ids, skip_special_tokens=False),
        })
    return {"tokenizer": name + ".json", "vocab_size": size, "cases": cases,
            "decode_cases": decode_cases}


def main():
    rng = random.Random(20240506)
    gpt2 = make_gpt2()
    sp = make_sentencepiece()
    made = [
        ("gpt2", gpt2),
        ("gpt2_prefix", make_gpt2_prefix(gpt2[0])),
        ("llama3", make_llama3()),
        ("qwen2", make_qwen2()),
        ("sp_llama2", sp),
        ("sp_metaspace", make_metaspace(sp[0])),
        ("sp_metaspace_split", make_metaspace_split(sp[0])),
    ]
    expected = [record(name, tok, specials, rng)
                for name, (tok, specials) in made]
    # One case a line: small, and diffs show which case changed.
    def dumps(value):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    lines = []
    for entry in expected:
        head = {k: v for k, v in entry.items()
                if k not in ("cases", "decode_cases")}
        lines.append(dumps(head)[:-1] + ',"cases":[')
        lines.append(",\n".join(dumps(c) for c in entry["cases"]))
        lines.append('],"decode_cases":[')
        lines.append(",\n".join(dumps(c) for c in entry["decode_cases"]))
        lines.append("]}" if entry is expected[-1] else "]},")
    with open(os.path.join(INPUTS, "expected.json"), "w",
              encoding="utf-8") as f:
        f.write("[\n" + "\n".join(lines) + "\n]\n")


if __name__ == "__main__":
    main()
