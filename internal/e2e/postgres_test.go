package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/jackc/pgx/v5"

	"github.com/coffer-kms/coffer/internal/app"
)

// defaultPostgres is the database the PostgreSQL end-to-end tests use;
// COFFER_E2E_POSTGRES overrides it. Without a reachable server they fail,
// as the store tests do, unless COFFER_SKIP_POSTGRES=1.
const defaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// pgStore returns a postgres:// URL whose search_path is a new schema,
// dropped when the test ends.
func pgStore(t *testing.T) string {
	t.Helper()
	if os.Getenv("COFFER_SKIP_POSTGRES") == "1" {
		t.Skip("COFFER_SKIP_POSTGRES=1")
	}
	base, ok := os.LookupEnv("COFFER_E2E_POSTGRES")
	if !ok {
		base = defaultPostgres
	}
	cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, base)
	if err != nil {
		t.Fatalf("PostgreSQL at %s (set COFFER_SKIP_POSTGRES=1 to skip): %v", base, err)
	}
	defer conn.Close(context.Background())
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "e2e_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(cctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestPostgres runs the restart, deletion-window and rotation checks on
// PostgreSQL, and checks that two nodes sharing the database see each
// other's changes (their caches are invalidated through the database).
func TestPostgres(t *testing.T) {
	store := pgStore(t)
	dir := t.TempDir() // the dev root of trust, shared by both nodes
	clk := newClock()
	a := startOn(t, dir, store, clk)
	ca := a.client("")

	k := createKey(t, ca, "on postgres")
	ok(ca.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/pg"), TargetKeyId: k.KeyId})).get(t)
	ok(ca.TagResource(ctx(), &kms.TagResourceInput{KeyId: k.KeyId, Tags: []types.Tag{{TagKey: aws.String("db"), TagValue: aws.String("pg")}}})).get(t)
	blob := ok(ca.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String("alias/pg"), Plaintext: []byte("pg secret")})).get(t).CiphertextBlob

	b := startOn(t, dir, store, clk)
	cb := b.client("")
	if _, err := os.Stat(filepath.Join(dir, app.SQLiteFile)); err == nil {
		t.Fatalf("%s exists: the PostgreSQL store was not used", app.SQLiteFile)
	}

	t.Run("SecondNodeSeesKeys", func(t *testing.T) {
		dec := ok(cb.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob})).get(t)
		if string(dec.Plaintext) != "pg secret" {
			t.Errorf("Decrypt on node b = %q", dec.Plaintext)
		}
		if tags := tagMap(t, cb, k.KeyId); tags["db"] != "pg" {
			t.Errorf("tags on node b %v", tags)
		}
	})
	t.Run("CacheInvalidation", func(t *testing.T) {
		// Warm node b's caches, change the key on node a, and wait for b.
		ok(cb.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String("alias/pg"), Plaintext: []byte("warm")})).get(t)
		ok(ca.DisableKey(ctx(), &kms.DisableKeyInput{KeyId: k.KeyId})).get(t)
		eventually(t, "node b sees the key disabled", func() bool {
			_, err := cb.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String("alias/pg"), Plaintext: []byte("x")})
			return errCode(err) == "DisabledException"
		})
		ok(ca.EnableKey(ctx(), &kms.EnableKeyInput{KeyId: k.KeyId})).get(t)
		k2 := createKey(t, ca, "second")
		ok(ca.UpdateAlias(ctx(), &kms.UpdateAliasInput{AliasName: aws.String("alias/pg"), TargetKeyId: k2.KeyId})).get(t)
		eventually(t, "node b follows the updated alias", func() bool {
			out, err := cb.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String("alias/pg"), Plaintext: []byte("x")})
			return err == nil && aws.ToString(out.KeyId) == aws.ToString(k2.Arn)
		})
		ok(ca.UpdateAlias(ctx(), &kms.UpdateAliasInput{AliasName: aws.String("alias/pg"), TargetKeyId: k.KeyId})).get(t)
		// A rotation on node a: node b encrypts under the new material.
		ok(ca.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: k.KeyId})).get(t)
		cur := aws.ToString(ok(ca.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: k.KeyId})).get(t).KeyMetadata.CurrentKeyMaterialId)
		eventually(t, "node b uses the rotated material", func() bool {
			out, err := cb.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: k.KeyId, KeySpec: types.DataKeySpecAes128})
			return err == nil && aws.ToString(out.KeyMaterialId) == cur
		})
	})
	t.Run("DeletionWindow", func(t *testing.T) {
		doomed := createKey(t, ca, "doomed on pg")
		ok(ca.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/pg-doomed"), TargetKeyId: doomed.KeyId})).get(t)
		dblob := ok(ca.Encrypt(ctx(), &kms.EncryptInput{KeyId: doomed.KeyId, Plaintext: []byte("bye")})).get(t).CiphertextBlob
		ok(ca.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: doomed.KeyId, PendingWindowInDays: aws.Int32(7)})).get(t)
		clk.Advance(6 * day)
		if res, err := b.App.KMS.RunMaintenance(ctx()); err != nil || res.Deleted != 0 {
			t.Fatalf("day 6: %+v, %v", res, err)
		}
		clk.Advance(day + time.Minute)
		// Both nodes run maintenance at once: the key is deleted once.
		type r struct {
			n   int
			err error
		}
		done := make(chan r, 2)
		for _, e := range []*env{a, b} {
			go func() {
				res, err := e.App.KMS.RunMaintenance(ctx())
				done <- r{res.Deleted, err}
			}()
		}
		r1, r2 := <-done, <-done
		if r1.err != nil || r2.err != nil || r1.n+r2.n != 1 {
			t.Errorf("maintenance on two nodes: deleted %d+%d, errors %v %v", r1.n, r2.n, r1.err, r2.err)
		}
		ca, cb := a.client(""), b.client("")
		for _, c := range []*kms.Client{ca, cb} {
			eventually(t, "key gone", func() bool {
				_, err := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: doomed.KeyId})
				return errCode(err) == "NotFoundException"
			})
			_, err := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/pg-doomed")})
			wantCode(t, err, "NotFoundException")
			_, err = c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: dblob})
			wantCode(t, err, "InvalidCiphertextException")
		}
	})
	t.Run("AutomaticRotation", func(t *testing.T) {
		ca := a.client("")
		rk := createKey(t, ca, "rotating on pg")
		old := ok(ca.Encrypt(ctx(), &kms.EncryptInput{KeyId: rk.KeyId, Plaintext: []byte("old")})).get(t).CiphertextBlob
		ok(ca.EnableKeyRotation(ctx(), &kms.EnableKeyRotationInput{KeyId: rk.KeyId, RotationPeriodInDays: aws.Int32(90)})).get(t)
		clk.Advance(91 * day)
		ca = a.client("")
		if res, err := a.App.KMS.RunMaintenance(ctx()); err != nil || res.Rotated < 1 {
			t.Fatalf("RunMaintenance = %+v, %v", res, err)
		}
		rots := ok(ca.ListKeyRotations(ctx(), &kms.ListKeyRotationsInput{KeyId: rk.KeyId})).get(t).Rotations
		if len(rots) != 1 || rots[0].RotationType != types.RotationTypeAutomatic {
			t.Errorf("rotations %+v", rots)
		}
		ok(ca.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: old})).get(t)
	})
	t.Run("Restart", func(t *testing.T) {
		b.close()
		a.restart()
		ca := a.client("")
		dec := ok(ca.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob})).get(t)
		if string(dec.Plaintext) != "pg secret" {
			t.Errorf("Decrypt after restart = %q", dec.Plaintext)
		}
		d := ok(ca.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/pg")})).get(t)
		if aws.ToString(d.KeyMetadata.KeyId) != aws.ToString(k.KeyId) {
			t.Errorf("alias/pg -> %s", aws.ToString(d.KeyMetadata.KeyId))
		}
	})
}

// eventually polls cond for up to 10 seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Errorf("%s: not within 10s", what)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
