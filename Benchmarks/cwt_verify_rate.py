"""Verification rate of the PyPI `cwt` package (over `base45`) on one AC1
EdDSA token, for comparison with AlumniCard's TokenVerifier in the same run.

Usage: cwt_verify_rate.py TOKEN PUBLIC_KEY_HEX KID_HEX
"""

import sys
import time

import base45
from cwt import COSEKey, CWT


def main():
    token, public_key_hex, kid_hex = sys.argv[1:4]
    key = COSEKey.new({1: 1, -1: 6, -2: bytes.fromhex(public_key_hex), 3: -8, 2: bytes.fromhex(kid_hex)})
    decoder = CWT.new()
    text = token[4:]

    def verify():
        return decoder.decode(base45.b45decode(text), key)

    verify()  # warm up, and fail loudly if the token does not verify
    rates = []
    for _ in range(5):
        count = 0
        start = time.perf_counter()
        while time.perf_counter() - start < 1.0:
            verify()
            count += 1
        rates.append(count / (time.perf_counter() - start))
    rate = sorted(rates)[2]
    print(f"{'Python cwt 3.3.0 EdDSA verify (base45 + decode)':46s} {rate:12.0f} /s  {1e9 / rate:9.0f} ns")


if __name__ == "__main__":
    main()
