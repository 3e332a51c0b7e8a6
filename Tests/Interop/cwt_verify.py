"""Verifies AC1 tokens with libraries written independently of AlumniCard.

Reads JSON from standard input:
  {"tokens": [{"text": "AC1:...", "alg": -8|5|4, "kid_hex": "...",
               "public_key_hex": "..." | "secret_hex": "..."}]}
and prints, for each token, what the PyPI `base45` and `cwt` packages make
of it: {"ok": true, "claims": {...}} or {"ok": false, "error": "..."}.
cwt checks the COSE signature or MAC and the exp/iat claims against the
real clock, so the caller issues tokens at the current time.
"""

import json
import sys

import base45
from cwt import COSEKey, CWT

# RFC 9053 key parameters: kty 1 = OKP, crv 6 = Ed25519, -2 = x, 2 = kid, 3 = alg.
ALG_NAMES = {5: "HS256", 4: "HMAC 256/64"}


def cose_key(entry):
    kid = bytes.fromhex(entry["kid_hex"])
    if entry["alg"] == -8:
        return COSEKey.new({1: 1, -1: 6, -2: bytes.fromhex(entry["public_key_hex"]), 3: -8, 2: kid})
    return COSEKey.from_symmetric_key(bytes.fromhex(entry["secret_hex"]), alg=ALG_NAMES[entry["alg"]], kid=kid)


def check(entry):
    text = entry["text"]
    if not text.startswith("AC1:"):
        return {"ok": False, "error": "no AC1: prefix"}
    try:
        cose = base45.b45decode(text[4:])
        claims = CWT.new().decode(cose, cose_key(entry))
    except Exception as error:  # any refusal is an answer, not a crash of the test
        return {"ok": False, "error": f"{type(error).__name__}: {error}"}
    card = claims[-65537]
    return {
        "ok": True,
        "claims": {
            "sub": claims[2],
            "exp": claims[4],
            "iat": claims[6],
            "cti_hex": claims[7].hex(),
            "card_name": card[1],
            "card_valid_through": card[2],
        },
    }


def main():
    request = json.load(sys.stdin)
    json.dump([check(entry) for entry in request["tokens"]], sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
