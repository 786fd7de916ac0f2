package bench

import (
	"context"
	"testing"
	"time"

	"github.com/coffer-kms/coffer/internal/app"
)

// TestAsymOpsAgainstCoffer runs every asymmetric operation for a moment
// against an in-process Coffer: every answer is checked by the generator,
// so a wrong signature or a missing field fails the run.
func TestAsymOpsAgainstCoffer(t *testing.T) {
	k, err := NewKMS(KMSConfig{Endpoint: newCoffer(t), Region: "us-east-1", AccessKeyID: app.DevAccessKeyID, SecretAccessKey: app.DevSecretAccessKey, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	ctx := context.Background()
	lim := Limits{Duration: 2 * time.Second, Requests: 5, Timeout: 5 * time.Second}
	for _, spec := range []string{"ECC_NIST_P256", "ECC_NIST_EDWARDS25519", "RSA_2048", "ML_DSA_44"} {
		t.Run(spec, func(t *testing.T) {
			key, err := k.CreateSigningKey(ctx, "test", spec)
			if err != nil {
				t.Fatal(err)
			}
			wl, err := k.PrepareSigning(ctx, key, spec)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{OpSign, OpVerify} {
				op, err := wl.Op(name)
				if err != nil {
					t.Fatal(err)
				}
				res, err := Run(ctx, op, 2, lim, 0)
				if err != nil || res.Errors != 0 || res.Requests == 0 {
					t.Fatalf("%s: %d requests, %d errors, %v", name, res.Requests, res.Errors, err)
				}
			}
			if _, err := wl.Op(OpGenerateDataKeyPair); err == nil {
				t.Fatal("a signing workload accepted generate-data-key-pair")
			}
		})
	}
	sym, err := k.CreateKey(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	op, err := k.PrepareDataKeyPair(sym, "ECC_NIST_P256").Op(OpGenerateDataKeyPair)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := Run(ctx, op, 2, lim, 0); err != nil || res.Errors != 0 || res.Requests == 0 {
		t.Fatalf("generate-data-key-pair: %d requests, %d errors, %v", res.Requests, res.Errors, err)
	}
	if _, err := SigningAlgorithm("SYMMETRIC_DEFAULT"); err == nil {
		t.Fatal("SigningAlgorithm accepted a symmetric spec")
	}
}
