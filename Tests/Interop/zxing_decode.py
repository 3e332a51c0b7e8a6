"""Decodes QR Code PNG files with zxing-cpp, a decoder written independently
of AlumniCard, reading them through Pillow (which checks every chunk's CRC
and the zlib stream).

Arguments: PNG paths. Prints a JSON list with, for each file,
{"text": str|null, "bytes_hex": str|null, "format": str|null, "error": str|null}.
"""

import json
import sys

import zxingcpp
from PIL import Image


def decode(path):
    try:
        with Image.open(path) as image:
            image.load()  # decompresses and verifies the image data
            results = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    except Exception as error:
        return {"text": None, "bytes_hex": None, "format": None, "error": f"{type(error).__name__}: {error}"}
    if not results:
        return {"text": None, "bytes_hex": None, "format": None, "error": "no QR code found"}
    result = results[0]
    return {"text": result.text, "bytes_hex": bytes(result.bytes).hex(), "format": str(result.format), "error": None}


def main():
    json.dump([decode(path) for path in sys.argv[1:]], sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
