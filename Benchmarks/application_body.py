"""Writes a multipart account application for the refused-application
benchmark: every text field (as the form sends them, before the files),
no human check, then an ID document of the given size.

Usage: application_body.py OUT FILE_BYTES
"""
import json
import sys

out, size = sys.argv[1], int(sys.argv[2])
fields = {
    "chinese_name": "林測試", "sex": "female", "national_id": "A223456781", "birth_date": "1990-01-01",
    "records": json.dumps([{"degree": "bachelor", "department": "資訊工程學系", "admission_year": 2008, "graduation_year": 2012}]),
    "permanent_address": json.dumps({"region": "domestic", "postal_code": "106", "county": "臺北市", "district": "大安區", "line": "羅斯福路四段1號"}),
    "mailing_address": json.dumps({"same_as": "permanent"}),
    "mobile": "0912345678", "email": "bench@example.org", "consent_version": "any",
}
parts = []
for name, value in fields.items():
    parts.append(f'--bench-boundary\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
parts.append(b'--bench-boundary\r\nContent-Disposition: form-data; name="id_document"; filename="id.pdf"\r\n'
             b"Content-Type: application/pdf\r\n\r\n" + b"%PDF-1.4\n" + b"%" * max(0, size - 16) + b"\n%%EOF\n\r\n")
parts.append(b"--bench-boundary--\r\n")
with open(out, "wb") as handle:
    handle.write(b"".join(parts))
