#!/usr/bin/python3
"""Regenerates tests/unit/stemdata/stem_<language>.txt, the oracle of
tests/unit/test_ftstem.c: a fixed sample of words from Debian's word lists
(packages wfrench, wngerman, ...) lowercased, each with the stem that
Snowball's own libstemmer (package libstemmer-tools, `stemwords`, Snowball
2.2.0) gives it. Not part of the build; run by hand after
`apt-get install libstemmer-tools wfrench wngerman ...`."""
import random
import subprocess
import sys

LISTS = {
    "french": "french", "german": "ngerman", "spanish": "spanish",
    "italian": "italian", "portuguese": "portuguese", "dutch": "dutch",
    "swedish": "swedish", "norwegian": "bokmaal", "danish": "danish",
}
LATIN1 = {"swedish": "latin-1", "norwegian": "latin-1"}  # these lists are ISO-8859-1
N = 2500


def locale_words(code, letters):
    """Where Debian has no word list: the translations of the installed
    programs (/usr/share/locale/<code>/LC_MESSAGES/*.mo, through msgunfmt)."""
    import glob
    import re
    words = set()
    for mo in glob.glob(f"/usr/share/locale/{code}/LC_MESSAGES/*.mo"):
        text = subprocess.run(["msgunfmt", mo], capture_output=True).stdout.decode("utf-8", "replace")
        for line in text.splitlines():
            if line.startswith("msgstr"):
                words.update(w for w in re.findall(f"[{letters}]+", line.lower()) if len(w) >= 2)
    return sorted(words)


LOCALES = {"russian": ("ru", "а-яё"), "romanian": ("ro", "a-zăâîşţșț"),
           "finnish": ("fi", "a-zäöå"), "hungarian": ("hu", "a-záéíóöőúüű"),
           "turkish": ("tr", "a-zçğıöşüâîû"), "arabic": ("ar", "\u0621-\u065f\u0660-\u0669"),
           "greek": ("el", "α-ωάέήίόύώϊϋΐΰ"), "indonesian": ("id", "a-z"),
           "catalan": ("ca", "a-zàèéíïòóúüç·"), "irish": ("ga", "a-záéíóú"),
           "lithuanian": ("lt", "a-ząčęėįšųūž"), "basque": ("eu", "a-zñ"),
           "hindi": ("hi", "\u0900-\u097f"), "nepali": ("ne", "\u0900-\u097f"),
           "tamil": ("ta", "\u0b80-\u0bff"), "yiddish": ("yi", "\u05b0-\u05f4\ufb1d-\ufb4f")}

for lang in sys.argv[1:] or list(LISTS) + list(LOCALES):
    if lang in LOCALES:
        words = locale_words(*LOCALES[lang])
    else:
        path = "/usr/share/dict/" + LISTS[lang]
        with open(path, encoding=LATIN1.get(lang, "utf-8"), errors="replace") as f:
            words = sorted({w.strip().lower() for w in f if w.strip()
                            and all(c.isalpha() for c in w.strip()) and "\ufffd" not in w})
    sample = sorted(random.Random(lang).sample(words, min(N, len(words))))
    out = subprocess.run(["stemwords", "-l", lang], input="\n".join(sample) + "\n",
                         capture_output=True, text=True, check=True).stdout.split("\n")
    with open(f"tests/unit/stemdata/stem_{lang}.txt", "w", encoding="utf-8") as f:
        for w, s in zip(sample, out):
            f.write(f"{w} {s}\n")
