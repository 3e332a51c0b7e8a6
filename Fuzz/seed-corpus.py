"""Makes the seed corpora in Fuzz/corpus/<target>/ from the shared AC1
vectors (../shared/vectors/ac1, or $ALUMNICARD_SHARED) and the project's
own configuration and test inputs. Each file is named by the SHA-1 of its
bytes, as libFuzzer names what it finds, so running this again adds
nothing twice. Usage: python3 Fuzz/seed-corpus.py
"""

import base64
import hashlib
import json
import os
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
shared = os.environ.get("ALUMNICARD_SHARED") or os.path.join(os.path.dirname(root), "shared")
vectors = os.path.join(shared, "vectors", "ac1")


made = {}  # target -> the seeds this script wrote (not what merged runs added)


def add(target, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    made.setdefault(target, []).append(data)
    folder = os.path.join(root, "Fuzz", "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, hashlib.sha1(data).hexdigest()), "wb") as handle:
        handle.write(data)


tokens = json.load(open(os.path.join(vectors, "tokens.json")))["vectors"]
for vector in tokens:
    token = vector["token"]
    add("ac1-token", token)
    if token.startswith("AC1:"):
        add("base45", token[4:])
    if vector.get("cose_hex"):
        add("cbor", bytes.fromhex(vector["cose_hex"]))
for item in (b"\x00", b"\x18\x18", b"\xa2\x01\x02\x03\x04", b"\x82\x61a\x62bc", b"\xd8\x12\x84\x40\xa0\x40\x40"):
    add("cbor", item)
for text in ("", "00", "QED8WEX0", "%69 VD92EX0"):
    add("base45", text)

keysets = json.load(open(os.path.join(vectors, "keyset.json")))["vectors"]
for vector in keysets:
    add("keyset-jws", vector["jws"])
    if isinstance(vector.get("payload"), dict):
        add("jwk", json.dumps(vector["payload"]))
jwks = json.load(open(os.path.join(vectors, "keys.jwks.json")))
add("jwk", json.dumps(jwks))
for key in jwks.get("keys", []):
    add("jwk", json.dumps(key))

add("registrar-csv", "student_id,display_name,card_number,valid_through\nB11000001,林一,A000000101,2030-06-30\n")
add("registrar-csv", "student_id,display_name,email,national_id,mobile,diploma_date,card_kind,status\n"
                     "R12000001,張畢業,grad@example.org,F131104093,0987654321,2027-01-20,digital,active\n\"R1\",\"a,b\",,,,,,\n")
add("registrar-csv", "\ufeffstudent_id,display_name\r\nB1,\"quoted \"\"name\"\"\"\r\n")
add("merchant-csv", "merchant_id,name_zh,name_en,category,address,offer_zh,offer_en,valid_from,valid_until\n"
                    "tea-corner,茶角落,Tea Corner,cafe,臺北市 1 號,九折,10% off,2026-01-01,2027-12-31\n")
add("merchant-csv", "merchant_id,name_zh,name_en,category,address,phone,url,offer_zh,offer_en,valid_from,valid_until\n"
                    "a,甲,A,books,地址,02-1234-5678,https://example.com/a,八折,20% off,2026-01-01,2026-12-31\n"
                    "bad,壞,Bad,cafe,地址,,,九折,10% off,2027-12-31,2026-01-01\n")
add("merchant-csv", "merchant_id\n\"unterminated\n")
for year in ("2025", "2026", "2027"):
    path = os.path.join(root, "Config", "calendar", year + ".csv")
    if os.path.exists(path):
        add("calendar-csv", open(path, "rb").read())
add("calendar-csv", "date,kind,note\n2026-12-25,holiday,行憲紀念日\n2026-12-26,workday,補班\n")

add("issuer-config", open(os.path.join(root, "Config", "issuer.yaml"), "rb").read())
add("issuer-config", "server:\n  port: 8080\ncards:\n  fees:\n    first: 250\n  issue_on: payment\n")
add("issuer-config", "tokens:\n  refresh_interval: 30s\n  grace: 40s\n")
add("verifier-config", open(os.path.join(root, "Config", "verifier.yaml"), "rb").read())
add("verifier-config", "issuer:\n  keyset_url: https://card.example.edu/.well-known/alumni-card/keyset.jws\n  root_keys: [/etc/root.jwk]\n"
    "  time_zone: Asia/Taipei\nmerchant:\n  name: 'Caf\u00e9 \u6797'\n")
add("verifier-config", "verify:\n  replay_policy: reject\n  leeway: 2m\nserver:\n  allowed_hosts: [Till-1.Shop.Example]\n  port: 0\n")
add("verifier-config", "sync:\n  refresh_interval: 1d\n  offline_grace: 0\nlogging:\n  format: json\n")

for body in ("login=R09000001&password=demo-password&csrf=abc", "kind=first&altcha=eyJ9&csrf=x", "a=%E6%9E%97+b&c=", "=x", "a=%zz"):
    add("form", body)

for number in (0, 7, 99999):
    solution = {"algorithm": "SHA-256", "challenge": "00" * 32, "number": number, "salt": "abc?expires=1764061300", "signature": "11" * 32}
    add("human-check", base64.b64encode(json.dumps(solution).encode()).decode())
add("human-check", "not base64")

for body in ('{"login": "R09000001", "password": "demo-password"}', '{"amount": 200, "records": [{"a": "b"}]}',
             '{"if_due": true, "windows": 288}', '{"login": "x", "extra": 1}', '[' * 40 + ']' * 40):
    add("json-body", body)

for body in ('{"token":"%s"}' % tokens[0]["token"], '{ "token" : "AC1:X" }\n', '{"token":"AC1:\\/x"}', '{"token":"AC1:X","token":"Y"}',
             '{"token":5}', '{"token":"AC1:X"} x', '{"token":"\u6797"}'):
    add("verify-body", body)

for reply in ("220 mail.example.org ESMTP\r\n", "250-mail.example.org\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n",
              "354 go ahead\r\n", "421 4.3.0 try later\r\n", "250-a\r\n251 b\r\n", "99 short\r\n"):
    add("smtp-reply", reply)

# multipart: bodies for the application form's reader (boundary "fuzzboundary",
# the small file limits of the fuzz target: id_document 4 KiB, photo 2 KiB).
def part(name, value, filename=None, content_type=None):
    head = 'Content-Disposition: form-data; name="%s"' % name
    if filename:
        head += '; filename="%s"' % filename
    head = (head + "\r\n" + ("Content-Type: %s\r\n" % content_type if content_type else "")).encode()
    return b"--fuzzboundary\r\n" + head + b"\r\n" + (value if isinstance(value, bytes) else value.encode()) + b"\r\n"


# Real images (the test fixtures, made by Pillow): the reader checks their structure.
def fixture(name):
    with open(os.path.join(root, "Tests", "Fixtures", name), "rb") as handle:
        return handle.read()


jpeg = fixture("photo.jpg")
pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
png = fixture("photo.png")
fields = [("chinese_name", "林小明"), ("sex", "male"), ("national_id", "A123456789"), ("birth_date", "1990-01-01"),
          ("records", '[{"degree":"bachelor","department":"電機工程學系","enrolled":2008,"graduated":2012}]'),
          ("permanent_address", '{"postal_code":"106","city":"臺北市","line":"大安區羅斯福路四段1號"}'),
          ("mailing_address", "same"), ("mobile", "0912345678"), ("email", "a@example.org"), ("consent_version", "2026-01")]
closing = b"--fuzzboundary--\r\n"
whole = b"".join(part(n, v) for n, v in fields) + part("id_document", pdf, "id.pdf", "application/pdf") + part("photo", jpeg, "me.jpg", "image/jpeg")
add("multipart", whole + closing)
add("multipart", part("photo", png, "me.png", "image/png") + closing)
add("multipart", whole)                                              # cut short: no closing boundary
add("multipart", part("sex", "male") + part("sex", "female") + closing)  # a field twice
add("multipart", part("unknown", "x") + closing)
add("multipart", part("photo", pdf, "renamed.jpg", "image/jpeg") + closing)  # a PDF under a photo's name
add("multipart", part("id_document", b"%PDF-" + b"x" * 5000 + b"%%EOF", "big.pdf") + closing)
add("multipart", b"preamble\r\n" + part("email", "\xff".encode("latin-1").decode("latin-1")) + closing)
add("multipart", b"--fuzzboundary\r\nContent-Type: text/plain\r\n\r\nno name\r\n" + closing)

# The bare multipart parser reads the same bodies.
for body in made["multipart"]:
    add("multipart-parser", body)

# Uploaded files by structure: whole images, one cut short, one with a
# broken chunk checksum, one with bytes after its end, PDFs with and without %%EOF.
progressive = fixture("photo-progressive.jpg")
for seed in (jpeg, png, progressive, pdf, fixture("id-document.pdf"), jpeg[: len(jpeg) // 2], png[:-5],
             png[:40] + bytes([png[40] ^ 1]) + png[41:], jpeg + b"PK\x03\x04 appended", b"%PDF-1.4 no end", b"\xff\xd8\xff\xd9"):
    add("file-structure", seed)

print("seed corpora in Fuzz/corpus/:", ", ".join(sorted(os.listdir(os.path.join(root, "Fuzz", "corpus")))), file=sys.stderr)
