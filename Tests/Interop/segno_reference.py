"""Encodes with segno, a QR encoder written independently of AlumniCard.

Reads a JSON list from standard input, each entry
  {"data_hex": "...", "mode": "numeric"|"alphanumeric"|"byte",
   "error": "L"|"M"|"Q"|"H", "version": int|null, "mask": int|null}
and prints a JSON list of {"version": int, "mask": int, "rows": ["0101…", …]}
(rows without the quiet zone), or {"error": "..."} where segno refuses.
Byte mode is given the raw bytes, so segno neither re-encodes text as
ISO-8859-1 nor picks Kanji mode; Micro QR and error-level boosting are off.
"""

import json
import sys

import segno


def encode(entry):
    data = bytes.fromhex(entry["data_hex"])
    content = data if entry["mode"] == "byte" else data.decode("ascii")
    try:
        code = segno.make_qr(
            content,
            error=entry["error"].lower(),
            version=entry.get("version"),
            mask=entry.get("mask"),
            mode=entry["mode"],
            boost_error=False,
        )
    except Exception as error:  # a refusal is an answer the test checks
        return {"error": f"{type(error).__name__}: {error}"}
    rows = ["".join("1" if module else "0" for module in row) for row in code.matrix]
    return {"version": code.version, "mask": code.mask, "rows": rows}


def main():
    json.dump([encode(entry) for entry in json.load(sys.stdin)], sys.stdout)


if __name__ == "__main__":
    main()
