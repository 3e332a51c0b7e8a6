"""Reads a ZIP archive from standard input with Python's own zipfile
module (an independent reader of what ZipWriter writes) and prints, as
JSON: the entries' names, sizes and SHA-256s, the result of testzip()
(the first entry whose CRC-32 is wrong, or null), and account.json parsed
when the archive has one."""

import hashlib
import io
import json
import sys
import zipfile

data = sys.stdin.buffer.read()
with zipfile.ZipFile(io.BytesIO(data)) as archive:
    entries = []
    for info in archive.infolist():
        content = archive.read(info)
        entries.append({
            "name": info.filename,
            "size": info.file_size,
            "compress_type": info.compress_type,
            "sha256": hashlib.sha256(content).hexdigest(),
            "mode": (info.external_attr >> 16) & 0o777,
        })
    account = json.loads(archive.read("account.json")) if "account.json" in archive.namelist() else None
    print(json.dumps({"entries": entries, "bad": archive.testzip(), "account": account}, ensure_ascii=False))
