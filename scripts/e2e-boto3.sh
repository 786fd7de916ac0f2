#!/usr/bin/env bash
# End-to-end checks with boto3: builds coffer, starts `coffer serve --dev` on
# a free loopback port with a temporary data dir, and runs
# scripts/e2e_boto3.py against it (KMS, IAM/STS and S3 through boto3's
# clients, paginators and transfer manager). Prints "N passed, M failed";
# exits non-zero on any failure. The server is killed on exit; every step is
# bounded in time.
#
#   bash scripts/e2e-boto3.sh          # needs go, curl, python3 with boto3
set -uo pipefail

cd "$(dirname "$0")/.."
python3 -c 'import boto3' 2>/dev/null || { echo "e2e-boto3: python3 cannot import boto3" >&2; exit 2; }

# Build and start coffer: sets work, server_pid and endpoint; cleans up on exit.
source scripts/lib/coffer-dev.sh
coffer_dev_up e2e-boto3

# The dev account's well-known key; nothing from the user's own AWS setup.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ENDPOINT_URL AWS_CA_BUNDLE AWS_REGION
unset AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_KMS AWS_ENDPOINT_URL_IAM AWS_ENDPOINT_URL_STS
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
export AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent
export AWS_EC2_METADATA_DISABLED=true

timeout 300 python3 scripts/e2e_boto3.py "$endpoint"
rc=$?

# The server must not have logged an error during the run.
if [[ ! -f "$work/serve.err" ]] || grep -q "level=ERROR" "$work/serve.err"; then
	echo "FAIL server log has no errors: $(grep level=ERROR "$work/serve.err" 2>/dev/null | head -5)"
	rc=1
fi
exit $rc
