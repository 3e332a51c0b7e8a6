"""Reads PNG files with Pillow, a PNG reader written independently of
AlumniCard, and checks their structure with Python's zlib: the signature,
every chunk's CRC-32 (Pillow skips the CRC of image data chunks), the
chunk order, and the complete zlib stream with its Adler-32.

Arguments: PNG paths. Prints a JSON list with, for each file,
{"width", "height", "mode", "rows": ["0101…", …]} where 1 is a dark pixel,
or {"error": "..."}.
"""

import json
import struct
import sys
import zlib

from PIL import Image

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def check_structure(data):
    if not data.startswith(SIGNATURE):
        raise ValueError("no PNG signature")
    offset, types, image_data = len(SIGNATURE), [], b""
    while offset < len(data):
        if offset + 12 > len(data):
            raise ValueError("truncated chunk")
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind = data[offset + 4:offset + 8]
        body = data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        if len(body) != length or zlib.crc32(kind + body) != crc:
            raise ValueError(f"bad CRC in {kind.decode('latin-1')} chunk")
        types.append(kind)
        if kind == b"IDAT":
            image_data += body
        offset += 12 + length
    if types[0] != b"IHDR" or types[-1] != b"IEND" or b"IDAT" not in types:
        raise ValueError(f"chunks out of order: {types}")
    width, height, depth = struct.unpack(">IIB", data[16:25])
    raw = zlib.decompress(image_data)  # checks the Adler-32 and the stream's end
    if len(raw) != height * (1 + (width * depth + 7) // 8):
        raise ValueError(f"{len(raw)} bytes of scanlines for {width}×{height}")


def inspect(path):
    try:
        with open(path, "rb") as file:
            check_structure(file.read())
        with Image.open(path) as image:
            image.load()
            info = {"width": image.width, "height": image.height, "mode": image.mode}
            gray = image.convert("L")
            pixels = gray.load()
            info["rows"] = ["".join("1" if pixels[x, y] < 128 else "0" for x in range(gray.width))
                            for y in range(gray.height)]
            return info
    except Exception as error:
        return {"error": f"{type(error).__name__}: {error}"}


def main():
    json.dump([inspect(path) for path in sys.argv[1:]], sys.stdout)


if __name__ == "__main__":
    main()
