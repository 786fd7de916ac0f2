#!/usr/bin/env python3
"""Independent check of the v1-*.txt known answers against docs/envelope.md,
written from the document with pyca/cryptography, not from the Go code.

    python3 internal/envelope/testdata/verify_vectors.py
"""
import glob, hashlib, hmac, os, struct, sys
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"\x89CFENV\r\n"
CHUNK = 64 * 1024

def hkdf(ikm, salt, info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)

def field(b):
    return struct.pack(">H", len(b)) + b

def envelope(v):
    ctx = v["context"]
    h = MAGIC + b"\x01" + field(v["key_id"].encode()) + field(v["blob"])
    h += struct.pack(">H", len(ctx))
    for k in sorted(ctx, key=lambda s: s.encode()):
        h += field(k.encode()) + field(ctx[k].encode())
    h += v["salt"]
    mac_key = hkdf(v["data_key"], v["salt"], b"coffer-envelope/v1 header")
    payload_key = hkdf(v["data_key"], v["salt"], b"coffer-envelope/v1 payload" + hashlib.sha256(h).digest())
    h += hmac.new(mac_key, h, hashlib.sha256).digest()
    pt, aead, out, i = v["plaintext"], AESGCM(payload_key), [h], 0
    chunks = [pt[j:j + CHUNK] for j in range(0, len(pt), CHUNK)] or [b""]
    for i, c in enumerate(chunks):
        nonce = b"\x00\x00\x00" + struct.pack(">Q", i) + (b"\x01" if i == len(chunks) - 1 else b"\x00")
        out.append(aead.encrypt(nonce, c, None))
    return h, b"".join(out)

def read(path):
    v = {"context": {}}
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("#") or not line:
            continue
        k, _, val = line.partition(": ")
        if k == "context":
            a, _, b = val.partition("=")
            v["context"][a] = b
        elif k in ("key_id", "envelope_sha256"):
            v[k] = val
        elif k == "envelope_len":
            v[k] = int(val)
        elif k == "plaintext":
            if val.startswith("pattern "):
                v[k] = bytes(i % 251 for i in range(int(val.split()[1])))
            else:
                v[k] = bytes.fromhex(val)
        else:
            v[k] = bytes.fromhex(val)
    return v

failed = 0
files = sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "v1-*.txt")))
for path in files:
    v = read(path)
    h, env = envelope(v)
    ok = h == v["header"]
    if "envelope" in v:
        ok = ok and env == v["envelope"]
    else:
        ok = ok and len(env) == v["envelope_len"] and hashlib.sha256(env).hexdigest() == v["envelope_sha256"]
    print(("ok  " if ok else "FAIL"), os.path.basename(path))
    failed += not ok
print(f"{len(files) - failed} passed, {failed} failed")
sys.exit(1 if failed or not files else 0)
