#!/usr/bin/env bash
# End-to-end check of imported key material (Origin EXTERNAL) the way the
# AWS KMS Developer Guide tells users to do it, with the real aws CLI and
# openssl: builds coffer, starts `coffer serve --dev` on a free loopback
# port with a temporary data dir, then
#   - create-key --origin EXTERNAL (PendingImport), get-parameters-for-import,
#     32 random bytes wrapped by `openssl pkeyutl -encrypt` (RSAES-OAEP
#     SHA-256), import-key-material, encrypt/decrypt;
#   - proves the material is the one imported: a Coffer ciphertext opens
#     locally (python3 cryptography, AES-256-GCM per docs/ciphertext-blob.md)
#     and a blob sealed locally decrypts in Coffer;
#   - re-import of the same material succeeds, of other material is
#     IncorrectKeyMaterialException;
#   - RSA_AES_KEY_WRAP_SHA_256 with openssl's `enc -id-aes256-wrap-pad` of
#     an RSA private key (PKCS#8), sign in Coffer, `openssl dgst -verify`;
#   - delete-imported-key-material (PendingImport) and re-import;
#   - new material (--import-type NEW_KEY_MATERIAL), rotate-key-on-demand,
#     and the new ciphertext opened locally with the new material;
#   - multi-Region keys: replicate-key, a us-east-1 ciphertext decrypted in
#     eu-west-1 (not in a Region without a replica), update-primary-region,
#     and imported material in a multi-Region key and its replica;
#   - expiry: --valid-to 15 seconds ahead, the maintenance loop (every 2 s
#     here: --maintenance-interval 2s) deletes the material and the key goes
#     back to PendingImport.
# Prints "N passed, M failed"; exits non-zero on any failure. The server is
# killed on exit. Every step is bounded in time.
#
#   bash scripts/e2e-kms-import-cli.sh   # needs go, aws (CLI v1 or v2), openssl, python3 with cryptography
set -uo pipefail

cd "$(dirname "$0")/.."
aws_bin=$(command -v aws) || { echo "e2e-kms-import: the aws CLI is not installed" >&2; exit 2; }
command -v openssl >/dev/null || { echo "e2e-kms-import: openssl is not installed" >&2; exit 2; }
python3 -c 'import cryptography' 2>/dev/null || { echo "e2e-kms-import: python3 cryptography is not installed" >&2; exit 2; }

source scripts/lib/coffer-dev.sh
COFFER_DEV_FLAGS="--maintenance-interval 2s" coffer_dev_up e2e-kms-import

export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
: > "$work/aws-config"
export AWS_CONFIG_FILE="$work/aws-config" AWS_SHARED_CREDENTIALS_FILE="$work/aws-config" AWS_PAGER=""
export AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_CA_BUNDLE

aws() { timeout 60 "$aws_bin" --endpoint-url "$endpoint" "$@"; }
ossl() { timeout 60 openssl "$@"; }

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
b64file() { python3 -c 'import base64,json,sys; d=json.load(open(sys.argv[1])); open(sys.argv[3],"wb").write(base64.b64decode(eval(sys.argv[2])))' "$2" "$3" "$1"; }
state() { aws kms describe-key --key-id "$1" --query KeyMetadata.KeyState --output text 2>&1; }
# expect_error CODE CMD...: the command fails with the AWS error CODE.
expect_error() {
	local code=$1; shift
	if "$@" > out.txt 2> err.txt; then echo "succeeded"; return 1; fi
	grep -q "($code)" err.txt || { cat err.txt; return 1; }
}

cd "$work"

# get_params KEY ALG SPEC: WrappingPublicKey.bin and ImportToken.bin.
get_params() {
	aws kms get-parameters-for-import --key-id "$1" --wrapping-algorithm "$2" --wrapping-key-spec "$3" > params.json 2> err.txt &&
		b64file WrappingPublicKey.bin params.json 'd["PublicKey"]' &&
		b64file ImportToken.bin params.json 'd["ImportToken"]'
}
# oaep_wrap IN OUT: RSAES-OAEP SHA-256 under WrappingPublicKey.bin (AWS's recipe).
oaep_wrap() {
	ossl pkeyutl -encrypt -in "$1" -out "$2" -inkey WrappingPublicKey.bin -keyform DER -pubin \
		-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256
}
import() { # KEY FILE [extra args]
	local key=$1 file=$2; shift 2
	aws kms import-key-material --key-id "$key" --encrypted-key-material "fileb://$file" \
		--import-token fileb://ImportToken.bin "$@"
}

# --- symmetric key, RSAES_OAEP_SHA_256 ---------------------------------
if aws kms create-key --origin EXTERNAL --description "imported" > key.json 2> err.txt &&
	[[ $(json key.json 'd["KeyMetadata"]["KeyState"]') == PendingImport ]] &&
	[[ $(json key.json 'd["KeyMetadata"]["Origin"]') == EXTERNAL ]]; then
	pass "create-key --origin EXTERNAL is PendingImport"
else
	fail "create-key --origin EXTERNAL" "$(cat err.txt key.json 2>/dev/null)"
fi
key=$(json key.json 'd["KeyMetadata"]["KeyId"]' 2>/dev/null)

if expect_error KMSInvalidStateException aws kms encrypt --key-id "$key" --plaintext fileb://key.json; then
	pass "encrypt with a key pending import is KMSInvalidStateException"
else
	fail "encrypt pending import"
fi

if get_params "$key" RSAES_OAEP_SHA_256 RSA_2048 &&
	ossl pkey -pubin -inform DER -in WrappingPublicKey.bin -noout -text 2>/dev/null | grep -q '2048 bit'; then
	pass "get-parameters-for-import: RSA_2048 wrapping key and token"
else
	fail "get-parameters-for-import" "$(cat err.txt)"
fi

ossl rand -out PlaintextKeyMaterial.bin 32
if oaep_wrap PlaintextKeyMaterial.bin EncryptedKeyMaterial.bin &&
	import "$key" EncryptedKeyMaterial.bin --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE > imp.json 2> err.txt &&
	[[ $(state "$key") == Enabled ]]; then
	pass "import-key-material (openssl pkeyutl OAEP SHA-256): key Enabled"
else
	fail "import-key-material" "$(cat err.txt)"
fi

printf 'secret message\n' > msg.txt
if aws kms encrypt --key-id "$key" --plaintext fileb://msg.txt --encryption-context purpose=cli \
	--query CiphertextBlob --output text > ct.b64 2> err.txt &&
	base64 -d ct.b64 > ct.bin &&
	aws kms decrypt --ciphertext-blob fileb://ct.bin --encryption-context purpose=cli \
		--query Plaintext --output text 2> err.txt | base64 -d | cmp -s - msg.txt; then
	pass "encrypt + decrypt with the imported material"
else
	fail "encrypt/decrypt" "$(cat err.txt)"
fi

# The Coffer ciphertext opens locally with the material (docs/ciphertext-blob.md).
cat > blob.py <<'PY'
import sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
def uvarint(n):
    out = b""
    while n >= 0x80:
        out += bytes([n & 0x7f | 0x80]); n >>= 7
    return out + bytes([n])
def context(ctx):
    out = uvarint(len(ctx))
    for k in sorted(ctx):
        kb, vb = k.encode(), ctx[k].encode()
        out += uvarint(len(kb)) + kb + uvarint(len(vb)) + vb
    return out
def aad(header, region, ctx):
    return header + uvarint(len(region)) + region.encode() + context(ctx)
mode, material, region = sys.argv[1], open(sys.argv[2], "rb").read(), sys.argv[3]
ctx = {"purpose": "cli"}
g = AESGCM(material)
if mode == "open":
    blob = open(sys.argv[4], "rb").read()
    sys.stdout.buffer.write(g.decrypt(blob[37:49], blob[49:], aad(blob[:49], region, ctx)))
else:  # seal ACCOUNT KEYID OUT: a version 1 blob for material version 1
    import os
    account, keyid, out = sys.argv[4], sys.argv[5], sys.argv[6]
    if keyid.startswith("mrk-"):
        kind, idhex = 1, keyid[4:]
    else:
        kind, idhex = 0, keyid.replace("-", "")
    header = b"\xc0\xff\x01\x01" + account.encode() + bytes([kind]) + bytes.fromhex(idhex) + (1).to_bytes(4, "big") + os.urandom(12)
    open(out, "wb").write(header + g.encrypt(header[37:49], b"sealed locally\n", aad(header, region, ctx)))
PY
if python3 blob.py open PlaintextKeyMaterial.bin us-east-1 ct.bin 2> err.txt | cmp -s - msg.txt; then
	pass "Coffer's ciphertext opens locally with the imported material"
else
	fail "local open of Coffer's ciphertext" "$(cat err.txt)"
fi
account=$(json key.json 'd["KeyMetadata"]["AWSAccountId"]')
if python3 blob.py seal PlaintextKeyMaterial.bin us-east-1 "$account" "$key" local.bin 2> err.txt &&
	aws kms decrypt --ciphertext-blob fileb://local.bin --encryption-context purpose=cli \
		--query Plaintext --output text 2> err.txt | base64 -d | grep -q 'sealed locally'; then
	pass "a blob sealed locally with the material decrypts in Coffer"
else
	fail "Coffer decrypt of a local blob" "$(cat err.txt)"
fi

# Re-import: the same material is fine, other material is not.
if get_params "$key" RSAES_OAEP_SHA_256 RSA_3072 && oaep_wrap PlaintextKeyMaterial.bin Again.bin &&
	import "$key" Again.bin --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE > /dev/null 2> err.txt; then
	pass "re-import of the same material (new parameters, RSA_3072)"
else
	fail "re-import of the same material" "$(cat err.txt)"
fi
ossl rand -out Other.bin 32
oaep_wrap Other.bin OtherWrapped.bin
if expect_error IncorrectKeyMaterialException import "$key" OtherWrapped.bin --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE; then
	pass "import of different material is IncorrectKeyMaterialException"
else
	fail "import of different material"
fi
if expect_error InvalidImportTokenException aws kms import-key-material --key-id "$key" --encrypted-key-material fileb://Again.bin \
	--import-token fileb://msg.txt --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE; then
	pass "a bad import token is InvalidImportTokenException"
else
	fail "bad import token"
fi
head -c 256 /dev/urandom > Garbage.bin
if expect_error InvalidCiphertextException import "$key" Garbage.bin --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE; then
	pass "undecryptable key material is InvalidCiphertextException"
else
	fail "undecryptable key material"
fi

# Delete the material, then bring it back.
if aws kms delete-imported-key-material --key-id "$key" > /dev/null 2> err.txt && [[ $(state "$key") == PendingImport ]] &&
	expect_error KMSInvalidStateException aws kms decrypt --ciphertext-blob fileb://ct.bin --encryption-context purpose=cli; then
	pass "delete-imported-key-material: PendingImport, decrypt refused"
else
	fail "delete-imported-key-material" "$(cat err.txt)"
fi
if get_params "$key" RSA_AES_KEY_WRAP_SHA_256 RSA_2048 && ossl rand -out aes-key.bin 32 &&
	ossl enc -id-aes256-wrap-pad -K "$(xxd -p < aes-key.bin | tr -d '\n')" -iv A65959A6 \
		-in PlaintextKeyMaterial.bin -out key-material-wrapped.bin &&
	oaep_wrap aes-key.bin aes-key-wrapped.bin && cat aes-key-wrapped.bin key-material-wrapped.bin > Kw.bin &&
	import "$key" Kw.bin --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE > /dev/null 2> err.txt &&
	aws kms decrypt --ciphertext-blob fileb://ct.bin --encryption-context purpose=cli \
		--query Plaintext --output text 2> err.txt | base64 -d | cmp -s - msg.txt; then
	pass "re-import after delete (RSA_AES_KEY_WRAP_SHA_256): old ciphertext decrypts"
else
	fail "re-import after delete" "$(cat err.txt)"
fi

# New material for on-demand rotation: NEW_KEY_MATERIAL, then rotate-key-on-demand.
ossl rand -out Second.bin 32
if get_params "$key" RSAES_OAEP_SHA_256 RSA_2048 && oaep_wrap Second.bin SecondWrapped.bin &&
	import "$key" SecondWrapped.bin --import-type NEW_KEY_MATERIAL --key-material-description second \
		--expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE > /dev/null 2> err.txt &&
	aws kms list-key-rotations --key-id "$key" --include-key-material ALL_KEY_MATERIAL > rot.json 2> err.txt &&
	[[ $(json rot.json '" ".join(r["KeyMaterialState"] for r in d["Rotations"])') == "CURRENT PENDING_ROTATION" ]] &&
	aws kms rotate-key-on-demand --key-id "$key" > /dev/null 2> err.txt &&
	aws kms encrypt --key-id "$key" --plaintext fileb://msg.txt --encryption-context purpose=cli \
		--query CiphertextBlob --output text > ct2.b64 2> err.txt && base64 -d ct2.b64 > ct2.bin &&
	python3 blob.py open Second.bin us-east-1 ct2.bin 2> err.txt | cmp -s - msg.txt &&
	aws kms decrypt --ciphertext-blob fileb://ct.bin --encryption-context purpose=cli \
		--query Plaintext --output text 2> err.txt | base64 -d | cmp -s - msg.txt; then
	pass "import-key-material --import-type NEW_KEY_MATERIAL + rotate-key-on-demand: new ciphertexts use the new material, old ones decrypt"
else
	fail "new key material and rotation" "$(cat err.txt rot.json 2>/dev/null)"
fi

# --- RSA signing key, RSA_AES_KEY_WRAP_SHA_256 (AWS's openssl recipe) ----
if aws kms create-key --origin EXTERNAL --key-spec RSA_2048 --key-usage SIGN_VERIFY > rsakey.json 2> err.txt; then
	rsakey=$(json rsakey.json 'd["KeyMetadata"]["KeyId"]')
	if get_params "$rsakey" RSA_AES_KEY_WRAP_SHA_256 RSA_4096 &&
		ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -outform DER -out rsa-key.der 2>/dev/null &&
		ossl pkcs8 -topk8 -inform DER -outform DER -nocrypt -in rsa-key.der -out PlaintextRSA.der &&
		ossl rand -out aes-key.bin 32 &&
		ossl enc -id-aes256-wrap-pad -K "$(xxd -p < aes-key.bin | tr -d '\n')" -iv A65959A6 -in PlaintextRSA.der -out rsa-wrapped.bin &&
		oaep_wrap aes-key.bin aes-key-wrapped.bin && cat aes-key-wrapped.bin rsa-wrapped.bin > RsaKw.bin &&
		import "$rsakey" RsaKw.bin --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE > /dev/null 2> err.txt &&
		aws kms sign --key-id "$rsakey" --message fileb://msg.txt --message-type RAW --signing-algorithm RSASSA_PKCS1_V1_5_SHA_256 \
			--query Signature --output text > sig.b64 2> err.txt && base64 -d sig.b64 > sig.bin &&
		ossl pkey -inform DER -in PlaintextRSA.der -pubout -out rsa-pub.pem &&
		ossl dgst -sha256 -verify rsa-pub.pem -signature sig.bin msg.txt > /dev/null 2>> err.txt; then
		pass "RSA_2048 private key imported with RSA_AES_KEY_WRAP_SHA_256: Coffer's signature verifies with openssl"
	else
		fail "RSA private key import" "$(cat err.txt)"
	fi
else
	fail "create-key RSA_2048 EXTERNAL" "$(cat err.txt)"
fi

# --- multi-Region: replicate-key, decrypt in the other Region -----------
if aws kms create-key --multi-region > mrk.json 2> err.txt &&
	mrk=$(json mrk.json 'd["KeyMetadata"]["KeyId"]') && [[ $mrk == mrk-* ]] &&
	aws kms encrypt --key-id "$mrk" --plaintext fileb://msg.txt --encryption-context purpose=cli \
		--query CiphertextBlob --output text > mct.b64 2> err.txt && base64 -d mct.b64 > mct.bin &&
	expect_error InvalidCiphertextException aws --region eu-west-1 kms decrypt --ciphertext-blob fileb://mct.bin --encryption-context purpose=cli &&
	aws kms replicate-key --key-id "$mrk" --replica-region eu-west-1 --description "west copy" > rep.json 2> err.txt &&
	[[ $(json rep.json 'd["ReplicaKeyMetadata"]["MultiRegionConfiguration"]["MultiRegionKeyType"]') == REPLICA ]] &&
	aws --region eu-west-1 kms decrypt --ciphertext-blob fileb://mct.bin --encryption-context purpose=cli \
		--query Plaintext --output text 2> err.txt | base64 -d | cmp -s - msg.txt &&
	expect_error InvalidCiphertextException aws --region ap-south-1 kms decrypt --ciphertext-blob fileb://mct.bin --encryption-context purpose=cli; then
	pass "multi-Region key: replicate-key, us-east-1 ciphertext decrypts in eu-west-1 (and not where there is no replica)"
else
	fail "multi-Region replicate + decrypt" "$(cat err.txt)"
fi
if aws kms update-primary-region --key-id "$mrk" --primary-region eu-west-1 2> err.txt &&
	[[ $(aws --region eu-west-1 kms describe-key --key-id "$mrk" --query KeyMetadata.MultiRegionConfiguration.MultiRegionKeyType --output text 2>&1) == PRIMARY ]] &&
	[[ $(aws kms describe-key --key-id "$mrk" --query KeyMetadata.MultiRegionConfiguration.MultiRegionKeyType --output text 2>&1) == REPLICA ]]; then
	pass "update-primary-region swaps PRIMARY and REPLICA"
else
	fail "update-primary-region" "$(cat err.txt)"
fi
# Imported material in a multi-Region key: the replica takes the same material.
if aws kms create-key --origin EXTERNAL --multi-region > imrk.json 2> err.txt &&
	imrk=$(json imrk.json 'd["KeyMetadata"]["KeyId"]') &&
	get_params "$imrk" RSAES_OAEP_SHA_256 RSA_2048 && oaep_wrap PlaintextKeyMaterial.bin Imrk.bin &&
	import "$imrk" Imrk.bin --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE > /dev/null 2> err.txt &&
	aws kms encrypt --key-id "$imrk" --plaintext fileb://msg.txt --query CiphertextBlob --output text > ict.b64 2> err.txt &&
	base64 -d ict.b64 > ict.bin &&
	aws kms replicate-key --key-id "$imrk" --replica-region eu-west-1 > irep.json 2> err.txt &&
	[[ $(json irep.json 'd["ReplicaKeyMetadata"]["KeyState"]') == PendingImport ]] &&
	aws --region eu-west-1 kms get-parameters-for-import --key-id "$imrk" --wrapping-algorithm RSAES_OAEP_SHA_256 \
		--wrapping-key-spec RSA_2048 > params.json 2> err.txt &&
	b64file WrappingPublicKey.bin params.json 'd["PublicKey"]' && b64file ImportToken.bin params.json 'd["ImportToken"]' &&
	oaep_wrap Other.bin OtherWest.bin &&
	expect_error IncorrectKeyMaterialException aws --region eu-west-1 kms import-key-material --key-id "$imrk" \
		--encrypted-key-material fileb://OtherWest.bin --import-token fileb://ImportToken.bin --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE &&
	oaep_wrap PlaintextKeyMaterial.bin ImrkWest.bin &&
	aws --region eu-west-1 kms import-key-material --key-id "$imrk" --encrypted-key-material fileb://ImrkWest.bin \
		--import-token fileb://ImportToken.bin --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE > /dev/null 2> err.txt &&
	aws --region eu-west-1 kms decrypt --ciphertext-blob fileb://ict.bin --query Plaintext --output text 2> err.txt | base64 -d | cmp -s - msg.txt; then
	pass "imported multi-Region key: replica PendingImport, other material refused, same material imported, decrypts in eu-west-1"
else
	fail "imported multi-Region key" "$(cat err.txt)"
fi

# --- expiry --------------------------------------------------------------
if aws kms create-key --origin EXTERNAL > exp.json 2> err.txt; then
	expkey=$(json exp.json 'd["KeyMetadata"]["KeyId"]')
	valid_to=$(python3 -c 'import datetime; print((datetime.datetime.now(datetime.timezone.utc)+datetime.timedelta(seconds=15)).strftime("%Y-%m-%dT%H:%M:%SZ"))')
	if get_params "$expkey" RSAES_OAEP_SHA_256 RSA_2048 && oaep_wrap PlaintextKeyMaterial.bin Exp.bin &&
		import "$expkey" Exp.bin --expiration-model KEY_MATERIAL_EXPIRES --valid-to "$valid_to" > /dev/null 2> err.txt &&
		aws kms describe-key --key-id "$expkey" > expdesc.json 2> err.txt &&
		[[ $(json expdesc.json 'd["KeyMetadata"]["ExpirationModel"]') == KEY_MATERIAL_EXPIRES ]]; then
		pass "import with --valid-to: ExpirationModel KEY_MATERIAL_EXPIRES"
		# The maintenance loop runs every 2 s here.
		st=""
		for _ in $(seq 150); do
			st=$(state "$expkey"); [[ "$st" == PendingImport ]] && break; sleep 1
		done
		if [[ "$st" == PendingImport ]]; then
			pass "expired material deleted by the maintenance loop: PendingImport"
		else
			fail "material expiry" "state $st"
		fi
	else
		fail "import with --valid-to" "$(cat err.txt)"
	fi
else
	fail "create-key for expiry" "$(cat err.txt)"
fi

echo "e2e-kms-import: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
