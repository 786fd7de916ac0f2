#!/usr/bin/env bash
# End-to-end check of asymmetric and HMAC KMS keys with the real aws CLI
# and openssl: builds coffer, starts `coffer serve --dev` on a free
# loopback port with a temporary data dir, then for each key spec runs
# create-key, describe-key, get-public-key, sign and verify, and checks
# the signature with `openssl dgst -verify` (or `pkeyutl -verify -rawin`
# for Ed25519) and the public key as PEM. Also RSA OAEP encrypted by
# openssl and decrypted by Coffer, generate-mac/verify-mac, and
# generate-data-key-pair. Prints "N passed, M failed"; exits non-zero on
# any failure. The server is killed on exit. Every step is bounded in time.
#
#   bash scripts/e2e-kms-asym-cli.sh   # needs go, aws (CLI v1 or v2), openssl, python3
set -uo pipefail

cd "$(dirname "$0")/.."
aws_bin=$(command -v aws) || { echo "e2e-kms-asym: the aws CLI is not installed" >&2; exit 2; }
command -v openssl >/dev/null || { echo "e2e-kms-asym: openssl is not installed" >&2; exit 2; }

# Build and start coffer: sets work, server_pid and endpoint; cleans up on exit.
source scripts/lib/coffer-dev.sh
coffer_dev_up e2e-kms-asym

# The dev account's well-known key; nothing from the user's own AWS setup.
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
# b64file FILE JSON EXPR: decode the base64 field EXPR of JSON into FILE.
b64file() { python3 -c 'import base64,json,sys; d=json.load(open(sys.argv[1])); open(sys.argv[3],"wb").write(base64.b64decode(eval(sys.argv[2])))' "$2" "$3" "$1"; }

cd "$work"
printf 'a message signed by coffer, checked by openssl\n' > msg.txt

# spec  signing-algorithm  openssl-digest (none: Ed25519)  extra openssl options
while read -r spec alg md opts; do
	name="$spec $alg"
	if ! aws kms create-key --key-spec "$spec" --key-usage SIGN_VERIFY > key.json 2> err.txt; then
		fail "$name: create-key" "$(cat err.txt)"; continue
	fi
	key_id=$(json key.json 'd["KeyMetadata"]["KeyId"]')
	if aws kms describe-key --key-id "$key_id" > desc.json 2> err.txt &&
		[[ $(json desc.json 'd["KeyMetadata"]["KeySpec"]') == "$spec" ]] &&
		[[ $(json desc.json '" ".join(d["KeyMetadata"]["SigningAlgorithms"])') == *"$alg"* ]]; then
		pass "$name: create-key + describe-key (KeySpec, SigningAlgorithms)"
	else
		fail "$name: describe-key" "$(cat err.txt desc.json 2>/dev/null)"
	fi
	if aws kms get-public-key --key-id "$key_id" > pub.json 2> err.txt &&
		b64file pub.der pub.json 'd["PublicKey"]' &&
		ossl pkey -pubin -inform DER -in pub.der -out pub.pem 2>> err.txt; then
		pass "$name: get-public-key → PEM (openssl pkey reads it)"
	else
		fail "$name: get-public-key" "$(cat err.txt)"; continue
	fi
	# aws CLI v1 takes blob arguments as fileb:// or base64.
	if aws kms sign --key-id "$key_id" --message fileb://msg.txt --message-type RAW --signing-algorithm "$alg" > sig.json 2> err.txt &&
		b64file sig.bin sig.json 'd["Signature"]'; then
		pass "$name: sign"
	else
		fail "$name: sign" "$(cat err.txt)"; continue
	fi
	if [[ $md == none ]]; then
		out=$(ossl pkeyutl -verify -pubin -inkey pub.pem -rawin -in msg.txt -sigfile sig.bin 2>&1)
	else
		# shellcheck disable=SC2086
		out=$(ossl dgst "-$md" -verify pub.pem -signature sig.bin ${opts//,/ } msg.txt 2>&1)
	fi
	if [[ $out == *"Verified OK"* || $out == *"Signature Verified Successfully"* ]]; then
		pass "$name: openssl verifies Coffer's signature"
	else
		fail "$name: openssl verify" "$out"
	fi
	if aws kms verify --key-id "$key_id" --message fileb://msg.txt --signature fileb://sig.bin --signing-algorithm "$alg" > ver.json 2> err.txt &&
		[[ $(json ver.json 'd["SignatureValid"]') == True ]]; then
		pass "$name: verify"
	else
		fail "$name: verify" "$(cat err.txt)"
	fi
	printf 'x' >> sig.bin
	if aws kms verify --key-id "$key_id" --message fileb://msg.txt --signature fileb://sig.bin --signing-algorithm "$alg" > /dev/null 2> err.txt; then
		fail "$name: verify of a bad signature succeeded"
	elif grep -q KMSInvalidSignatureException err.txt; then
		pass "$name: bad signature → KMSInvalidSignatureException"
	else
		fail "$name: bad signature" "$(cat err.txt)"
	fi
done <<'SPECS'
RSA_2048 RSASSA_PSS_SHA_256 sha256 -sigopt,rsa_padding_mode:pss,-sigopt,rsa_pss_saltlen:digest
RSA_3072 RSASSA_PKCS1_V1_5_SHA_384 sha384
RSA_4096 RSASSA_PSS_SHA_512 sha512 -sigopt,rsa_padding_mode:pss,-sigopt,rsa_pss_saltlen:digest
ECC_NIST_P256 ECDSA_SHA_256 sha256
ECC_NIST_P384 ECDSA_SHA_384 sha384
ECC_NIST_P521 ECDSA_SHA_512 sha512
ECC_SECG_P256K1 ECDSA_SHA_256 sha256
ECC_NIST_EDWARDS25519 ED25519_SHA_512 none
SPECS

# ML-DSA: OpenSSL 3.0 cannot verify it; Coffer's Verify and the SPKI size AWS returns.
if aws kms create-key --key-spec ML_DSA_44 --key-usage SIGN_VERIFY > key.json 2> err.txt &&
	key_id=$(json key.json 'd["KeyMetadata"]["KeyId"]') &&
	aws kms get-public-key --key-id "$key_id" > pub.json 2>> err.txt && b64file pub.der pub.json 'd["PublicKey"]' &&
	[[ $(wc -c < pub.der) -eq 1334 ]] &&
	aws kms sign --key-id "$key_id" --message fileb://msg.txt --signing-algorithm ML_DSA_SHAKE_256 > sig.json 2>> err.txt &&
	b64file sig.bin sig.json 'd["Signature"]' && [[ $(wc -c < sig.bin) -eq 2420 ]] &&
	aws kms verify --key-id "$key_id" --message fileb://msg.txt --signature fileb://sig.bin --signing-algorithm ML_DSA_SHAKE_256 > /dev/null 2>> err.txt; then
	pass "ML_DSA_44: 1334-byte SPKI, 2420-byte signature, verify"
else
	fail "ML_DSA_44" "$(cat err.txt)"
fi

# RSA OAEP: openssl encrypts with the public key, Coffer decrypts.
if aws kms create-key --key-spec RSA_2048 --key-usage ENCRYPT_DECRYPT > key.json 2> err.txt &&
	key_id=$(json key.json 'd["KeyMetadata"]["KeyId"]') &&
	aws kms get-public-key --key-id "$key_id" > pub.json 2>> err.txt && b64file pub.der pub.json 'd["PublicKey"]' &&
	printf 'rsa secret' > pt.txt &&
	ossl pkeyutl -encrypt -pubin -keyform DER -inkey pub.der -in pt.txt -out ct.bin \
		-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256 2>> err.txt &&
	aws kms decrypt --key-id "$key_id" --encryption-algorithm RSAES_OAEP_SHA_256 --ciphertext-blob fileb://ct.bin > dec.json 2>> err.txt &&
	b64file dec.bin dec.json 'd["Plaintext"]' && cmp -s dec.bin pt.txt; then
	pass "RSA_2048: openssl pkeyutl -encrypt (OAEP SHA-256) → Coffer decrypt"
else
	fail "RSA_2048 OAEP" "$(cat err.txt)"
fi

# HMAC.
if aws kms create-key --key-spec HMAC_256 --key-usage GENERATE_VERIFY_MAC > key.json 2> err.txt &&
	key_id=$(json key.json 'd["KeyMetadata"]["KeyId"]') &&
	aws kms generate-mac --key-id "$key_id" --message fileb://msg.txt --mac-algorithm HMAC_SHA_256 > mac.json 2>> err.txt &&
	b64file mac.bin mac.json 'd["Mac"]' && [[ $(wc -c < mac.bin) -eq 32 ]] &&
	aws kms verify-mac --key-id "$key_id" --message fileb://msg.txt --mac fileb://mac.bin --mac-algorithm HMAC_SHA_256 > vm.json 2>> err.txt &&
	[[ $(json vm.json 'd["MacValid"]') == True ]]; then
	pass "HMAC_256: generate-mac + verify-mac"
else
	fail "HMAC_256" "$(cat err.txt)"
fi

# Data key pair: the PKCS#8 private key matches the public key (openssl).
if aws kms create-key > key.json 2> err.txt && key_id=$(json key.json 'd["KeyMetadata"]["KeyId"]') &&
	aws kms generate-data-key-pair --key-id "$key_id" --key-pair-spec ECC_NIST_P256 > dkp.json 2>> err.txt &&
	b64file priv.der dkp.json 'd["PrivateKeyPlaintext"]' && b64file dpub.der dkp.json 'd["PublicKey"]' &&
	ossl pkey -inform DER -in priv.der -pubout -outform DER -out derived.der 2>> err.txt && cmp -s derived.der dpub.der &&
	b64file blob.bin dkp.json 'd["PrivateKeyCiphertextBlob"]' &&
	aws kms decrypt --ciphertext-blob fileb://blob.bin > dec.json 2>> err.txt &&
	b64file dec.der dec.json 'd["Plaintext"]' && cmp -s dec.der priv.der; then
	pass "generate-data-key-pair ECC_NIST_P256: openssl reads the PKCS#8; the blob decrypts to it"
else
	fail "generate-data-key-pair" "$(cat err.txt)"
fi

if grep -q "level=ERROR" "$work/serve.err"; then
	fail "server log has no errors" "$(grep level=ERROR "$work/serve.err" | head -5)"
else
	pass "server log has no errors"
fi

echo "$passed passed, $failed failed"
((failed == 0))
