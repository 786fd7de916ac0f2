package e2e

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// TestMoreErrors covers the less common member and state checks.
func TestMoreErrors(t *testing.T) {
	e := start(t)
	c := e.client("")
	k := createKey(t, c, "more")
	k2 := createKey(t, c, "more2")
	disabled := createKey(t, c, "disabled")
	pending := createKey(t, c, "pending")
	ok(c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/more"), TargetKeyId: k.KeyId})).get(t)
	blob := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("x")})).get(t).CiphertextBlob
	ok(c.DisableKey(ctx(), &kms.DisableKeyInput{KeyId: disabled.KeyId})).get(t)
	ok(c.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: pending.KeyId, PendingWindowInDays: aws.Int32(7)})).get(t)

	cases := []struct {
		name string
		code string
		call func() error
	}{
		{"ListKeys Limit 0", "ValidationException", func() error {
			_, err := c.ListKeys(ctx(), &kms.ListKeysInput{Limit: aws.Int32(0)})
			return err
		}},
		{"ListKeys Limit 1001", "ValidationException", func() error {
			_, err := c.ListKeys(ctx(), &kms.ListKeysInput{Limit: aws.Int32(1001)})
			return err
		}},
		{"Encrypt empty plaintext", "ValidationException", func() error {
			_, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte{}})
			return err
		}},
		{"Decrypt blob over 6144 bytes", "ValidationException", func() error {
			_, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: make([]byte, 6145)})
			return err
		}},
		{"Description over 8192", "ValidationException", func() error {
			_, err := c.CreateKey(ctx(), &kms.CreateKeyInput{Description: aws.String(strings.Repeat("d", 8193))})
			return err
		}},
		{"alias name with a space", "ValidationException", func() error {
			_, err := c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/bad name"), TargetKeyId: k.KeyId})
			return err
		}},
		{"KeyId not a key", "NotFoundException", func() error {
			_, err := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("not-a-key-id")})
			return err
		}},
		{"Encrypt with RSA algorithm on a symmetric key", "InvalidKeyUsageException", func() error {
			_, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("x"), EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha256})
			return err
		}},
		{"ScheduleKeyDeletion twice", "KMSInvalidStateException", func() error {
			_, err := c.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: pending.KeyId})
			return err
		}},
		{"UpdateAlias to a key pending deletion", "KMSInvalidStateException", func() error {
			_, err := c.UpdateAlias(ctx(), &kms.UpdateAliasInput{AliasName: aws.String("alias/more"), TargetKeyId: pending.KeyId})
			return err
		}},
		{"ReEncrypt to a disabled key", "DisabledException", func() error {
			_, err := c.ReEncrypt(ctx(), &kms.ReEncryptInput{CiphertextBlob: blob, DestinationKeyId: disabled.KeyId})
			return err
		}},
		{"RotateKeyOnDemand on a disabled key", "DisabledException", func() error {
			_, err := c.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: disabled.KeyId})
			return err
		}},
		{"RotateKeyOnDemand on a key pending deletion", "KMSInvalidStateException", func() error {
			_, err := c.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: pending.KeyId})
			return err
		}},
		{"EnableKeyRotation on a disabled key", "DisabledException", func() error {
			_, err := c.EnableKeyRotation(ctx(), &kms.EnableKeyRotationInput{KeyId: disabled.KeyId})
			return err
		}},
		{"UpdateKeyDescription on a key pending deletion", "KMSInvalidStateException", func() error {
			_, err := c.UpdateKeyDescription(ctx(), &kms.UpdateKeyDescriptionInput{KeyId: pending.KeyId, Description: aws.String("x")})
			return err
		}},
		{"Decrypt with an unknown KeyId", "NotFoundException", func() error {
			_, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob, KeyId: aws.String("00000000-0000-4000-8000-000000000000")})
			return err
		}},
		{"Decrypt with the wrong key by alias", "IncorrectKeyException", func() error {
			ok(c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/wrong"), TargetKeyId: k2.KeyId})).get(t)
			_, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob, KeyId: aws.String("alias/wrong")})
			return err
		}},
		{"alias as TargetKeyId", "NotFoundException", func() error {
			// TargetKeyId takes a key id or key ARN, not an alias.
			_, err := c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/of-alias"), TargetKeyId: aws.String("alias/more")})
			return err
		}},
		{"GenerateDataKey on a key pending deletion", "KMSInvalidStateException", func() error {
			_, err := c.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: pending.KeyId, KeySpec: types.DataKeySpecAes256})
			return err
		}},
		// A marker Coffer did not issue. AWS answers InvalidMarkerException.
		{"ListKeys forged marker", "InvalidMarkerException", func() error {
			_, err := c.ListKeys(ctx(), &kms.ListKeysInput{Marker: aws.String("AAAA")})
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, tc.call(), tc.code)
		})
	}

	t.Run("Decrypt with the right key by alias", func(t *testing.T) {
		dec := ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob, KeyId: aws.String("alias/more")})).get(t)
		if string(dec.Plaintext) != "x" {
			t.Errorf("Decrypt = %q", dec.Plaintext)
		}
	})
	t.Run("other account's key ARN", func(t *testing.T) {
		_, err := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("arn:aws:kms:us-east-1:444455556666:key/" + aws.ToString(k.KeyId))})
		if code := errCode(err); code != "NotFoundException" && code != "AccessDeniedException" {
			t.Errorf("got %s, want NotFoundException or AccessDeniedException", code)
		}
	})
	t.Run("raw protocol errors", func(t *testing.T) {
		big := bytes.Repeat([]byte("a"), 2<<20)
		r := e.raw(t, "TrentService.Encrypt", big, true, 0)
		if r.Status != 413 && r.Status != 400 {
			t.Errorf("2 MiB body: %d %s", r.Status, r.Body)
		}
		r = e.raw(t, "", []byte("{}"), true, 0)
		if code := errType(t, r); code == "" {
			t.Errorf("no X-Amz-Target: %d %s", r.Status, r.Body)
		}
	})
}

// TestConcurrentClients: many clients at once on SQLite get answers, never
// a server fault (SQLITE_BUSY must not leak as a 500), and every ciphertext
// decrypts.
func TestConcurrentClients(t *testing.T) {
	e := start(t)
	c := e.client("")
	shared := createKey(t, c, "shared")
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := e.client("")
			for i := 0; i < 15; i++ {
				k, err := c.CreateKey(ctx(), &kms.CreateKeyInput{Description: aws.String(fmt.Sprintf("w%d-%d", w, i))})
				if err != nil {
					errs <- fmt.Errorf("CreateKey: %w", err)
					continue
				}
				if _, err := c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String(fmt.Sprintf("alias/w%d-%d", w, i)), TargetKeyId: k.KeyMetadata.KeyId}); err != nil {
					errs <- fmt.Errorf("CreateAlias: %w", err)
				}
				if _, err := c.TagResource(ctx(), &kms.TagResourceInput{KeyId: shared.KeyId, Tags: []types.Tag{{TagKey: aws.String(fmt.Sprintf("w%d", w)), TagValue: aws.String(fmt.Sprint(i))}}}); err != nil {
					errs <- fmt.Errorf("TagResource: %w", err)
				}
				pt := []byte(fmt.Sprintf("worker %d item %d", w, i))
				for _, id := range []*string{shared.KeyId, k.KeyMetadata.KeyId} {
					enc, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: id, Plaintext: pt})
					if err != nil {
						errs <- fmt.Errorf("Encrypt: %w", err)
						continue
					}
					dec, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
					if err != nil {
						errs <- fmt.Errorf("Decrypt: %w", err)
					} else if !bytes.Equal(dec.Plaintext, pt) {
						errs <- fmt.Errorf("Decrypt gave %q, want %q", dec.Plaintext, pt)
					}
				}
				if i%5 == 0 {
					if _, err := c.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: k.KeyMetadata.KeyId}); err != nil {
						errs <- fmt.Errorf("RotateKeyOnDemand: %w", err)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	n := 0
	for err := range errs {
		if n < 10 {
			t.Error(err)
		}
		n++
	}
	if n > 0 {
		t.Errorf("%d failed calls", n)
	}
	if got := len(ok(c.ListAliases(ctx(), &kms.ListAliasesInput{Limit: aws.Int32(1000)})).get(t).Aliases); got != 8*15 {
		t.Errorf("%d aliases, want %d", got, 8*15)
	}
	if got := len(tagMap(t, c, shared.KeyId)); got != 8 {
		t.Errorf("%d tags on the shared key, want 8", got)
	}
}
