package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	cofferkms "github.com/coffer-kms/coffer/internal/kms"
)

// marker is a distinctive 64-byte Encrypt plaintext.
var marker = []byte("COFFER-E2E-PLAINTEXT-MARKER:do-not-store-me:0123456789abcdefXYZ!")

// secretNeedle is one secret to look for, under a name for the report.
type secretNeedle struct {
	name string
	b    []byte
}

// encodings returns the byte patterns under which b could be stored: raw,
// hex (both cases) and base64 (std, URL, padded or not). For base64 it
// takes the three alignments of b inside a larger encoded buffer, less
// the partial quantum at each end.
func encodings(b []byte) [][]byte {
	out := [][]byte{b, []byte(hex.EncodeToString(b)), []byte(strings.ToUpper(hex.EncodeToString(b)))}
	for off := 0; off < 3 && off < len(b); off++ {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			s := enc.EncodeToString(b[off:])
			s = strings.TrimRight(s, "=")
			if len(s) > 8 {
				s = s[:len(s)-4] // the last quantum depends on what follows
			}
			if off > 0 && len(s) > 4 {
				s = s[4:] // and the first on what precedes
			}
			out = append(out, []byte(s))
		}
	}
	return out
}

// scanDir reports every needle found in any file under dir.
func scanDir(t *testing.T, dir string, needles []secretNeedle) (files int) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		for _, n := range needles {
			for i, pat := range encodings(n.b) {
				if len(pat) >= 12 && bytes.Contains(data, pat) {
					t.Errorf("%s found in %s (encoding %d)", n.name, filepath.Base(p), i)
					break
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestNoSecretsAtRest: no data-key plaintext, Encrypt plaintext or secret
// access key appears in the data dir (the SQLite database with its WAL and
// SHM files included), raw or hex or base64 encoded; nor in the log.
func TestNoSecretsAtRest(t *testing.T) {
	e := start(t)
	c := e.client("")
	var needles []secretNeedle
	needles = append(needles, secretNeedle{"secret access key", []byte(secretKey)}, secretNeedle{"Encrypt plaintext marker", marker})
	for i := 0; i < 4; i++ {
		needles = append(needles, secretNeedle{"marker fragment", marker[i*16 : i*16+16]})
	}
	var keys []string
	for i := 0; i < 3; i++ {
		keys = append(keys, aws.ToString(createKey(t, c, "leak check").KeyId))
	}
	ok(c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/leak"), TargetKeyId: aws.String(keys[0])})).get(t)
	for i := 0; i < 60; i++ {
		in := &kms.GenerateDataKeyInput{KeyId: aws.String(keys[i%len(keys)])}
		switch i % 3 {
		case 0:
			in.KeySpec = types.DataKeySpecAes256
		case 1:
			in.KeySpec = types.DataKeySpecAes128
		default:
			in.NumberOfBytes = aws.Int32(64)
			in.EncryptionContext = map[string]string{"n": "x"}
		}
		out := ok(c.GenerateDataKey(ctx(), in)).get(t)
		needles = append(needles, secretNeedle{"data key plaintext", out.Plaintext})
		// Decrypting the data key goes through the same paths again.
		ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob, EncryptionContext: in.EncryptionContext})).get(t)
	}
	for _, id := range append(keys, "alias/leak") {
		for _, ec := range []map[string]string{nil, {"purpose": "leak-check"}} {
			enc := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(id), Plaintext: marker, EncryptionContext: ec})).get(t)
			ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})).get(t)
			ok(c.ReEncrypt(ctx(), &kms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: ec, DestinationKeyId: aws.String(keys[1])})).get(t)
		}
	}
	// Rotation and failed requests do not write plaintext either.
	ok(c.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: aws.String(keys[0])})).get(t)
	ok(c.DisableKey(ctx(), &kms.DisableKeyInput{KeyId: aws.String(keys[2])})).get(t)
	_, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(keys[2]), Plaintext: marker})
	wantCode(t, err, "DisabledException")

	t.Run("WhileOpen", func(t *testing.T) {
		n := scanDir(t, e.dir, needles)
		t.Logf("scanned %d files with %d needles while the app is open", n, len(needles))
		if n < 2 {
			t.Errorf("only %d files in the data dir", n)
		}
	})
	t.Run("Log", func(t *testing.T) {
		e.mu.Lock()
		log := append([]byte(nil), e.logBuf.Bytes()...)
		e.mu.Unlock()
		for _, n := range needles {
			for _, pat := range encodings(n.b) {
				if len(pat) >= 12 && bytes.Contains(log, pat) {
					t.Errorf("%s found in the server log", n.name)
					break
				}
			}
		}
	})
	t.Run("AfterClose", func(t *testing.T) {
		e.close()
		n := scanDir(t, e.dir, needles)
		t.Logf("scanned %d files after close", n)
		e.open()
	})
}

// TestSeed applies a seed file twice (the second time changes nothing), and
// checks that the seeded key, with known material, works, survives a
// restart, and decrypts what another Coffer seeded with the same material
// encrypted.
func TestSeed(t *testing.T) {
	const keyID = "bc436485-5092-42b8-92a3-0aa8b93536dc"
	const plainKeyID = "0f5e7a3c-8d2b-4e1f-9a6c-5b4d3e2f1a0b"
	doc := []byte(`
Keys:
  Symmetric:
    Aes:
      - Metadata:
          KeyId: ` + keyID + `
          Description: "test key"
        BackingKeys:
          - 5cdaead27fe7da2de47945d73cd6d79e36494e73802f3cd3869f1d2cb0b5d7a9
          - 1d5e7e3c5a1f2b9e8c7d6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d
      - Metadata:
          KeyId: ` + plainKeyID + `
Aliases:
  - AliasName: alias/testing
    TargetKeyId: ` + keyID + `
  - AliasName: alias/generated
    TargetKeyId: ` + plainKeyID + `
`)
	seed := func(t *testing.T, e *env) int {
		t.Helper()
		sd, err := cofferkms.ParseSeed(doc)
		if err != nil {
			t.Fatalf("ParseSeed: %v", err)
		}
		n, err := e.App.KMS.ApplySeed(ctx(), sd, account, region)
		if err != nil {
			t.Fatalf("ApplySeed: %v", err)
		}
		return n
	}
	e := start(t)
	if n := seed(t, e); n != 2 {
		t.Errorf("first ApplySeed created %d keys, want 2", n)
	}
	if n := seed(t, e); n != 0 {
		t.Errorf("second ApplySeed created %d keys, want 0", n)
	}
	c := e.client("")

	t.Run("Metadata", func(t *testing.T) {
		md := ok(c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/testing")})).get(t).KeyMetadata
		if aws.ToString(md.KeyId) != keyID || aws.ToString(md.Description) != "test key" || md.KeyState != types.KeyStateEnabled {
			t.Errorf("seeded key: %s %q %s", aws.ToString(md.KeyId), aws.ToString(md.Description), md.KeyState)
		}
		if aws.ToString(md.Arn) != keyARN(region, keyID) {
			t.Errorf("Arn %s", aws.ToString(md.Arn))
		}
		aliases := ok(c.ListAliases(ctx(), &kms.ListAliasesInput{})).get(t).Aliases
		if len(aliases) != 2 {
			t.Errorf("aliases after applying twice: %+v", aliases)
		}
		keys := ok(c.ListKeys(ctx(), &kms.ListKeysInput{})).get(t).Keys
		if len(keys) != 2 {
			t.Errorf("keys after applying twice: %d", len(keys))
		}
		rots := ok(c.ListKeyRotations(ctx(), &kms.ListKeyRotationsInput{KeyId: aws.String(keyID)})).get(t).Rotations
		if len(rots) != 1 {
			t.Errorf("two BackingKeys give %d rotations, want 1", len(rots))
		}
		pol := ok(c.GetKeyPolicy(ctx(), &kms.GetKeyPolicyInput{KeyId: aws.String(keyID)})).get(t)
		if !contains(aws.ToString(pol.Policy), "arn:aws:iam::111122223333:root") {
			t.Errorf("seeded key policy %s", aws.ToString(pol.Policy))
		}
	})

	enc := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String("alias/testing"), Plaintext: []byte("seeded secret"),
		EncryptionContext: map[string]string{"a": "b"}})).get(t)
	gen := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String("alias/generated"), Plaintext: []byte("generated material")})).get(t)

	t.Run("AfterRestart", func(t *testing.T) {
		e.restart()
		if n := seed(t, e); n != 0 {
			t.Errorf("ApplySeed after restart created %d keys", n)
		}
		c := e.client("")
		dec := ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"a": "b"}})).get(t)
		if string(dec.Plaintext) != "seeded secret" || aws.ToString(dec.KeyId) != keyARN(region, keyID) {
			t.Errorf("Decrypt = %q under %s", dec.Plaintext, aws.ToString(dec.KeyId))
		}
		dec = ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: gen.CiphertextBlob})).get(t)
		if string(dec.Plaintext) != "generated material" {
			t.Errorf("Decrypt = %q", dec.Plaintext)
		}
	})

	t.Run("KnownMaterialAcrossInstances", func(t *testing.T) {
		// Another Coffer, with its own root of trust, seeded with the same
		// BackingKeys, decrypts what the first encrypted under them.
		other := start(t)
		seed(t, other)
		oc := other.client("")
		dec, err := oc.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"a": "b"}})
		if err != nil {
			t.Fatalf("Decrypt in a second instance seeded with the same BackingKeys: %v", err)
		}
		if string(dec.Plaintext) != "seeded secret" {
			t.Errorf("Decrypt = %q", dec.Plaintext)
		}
		// Generated material differs between instances.
		_, err = oc.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: gen.CiphertextBlob})
		wantCode(t, err, "InvalidCiphertextException")
	})
}

// TestSeedTags applies a seed with tags written as seed.go documents them
// ({TagKey: team, TagValue: payments}, the local-kms layout).
func TestSeedTags(t *testing.T) {
	const keyID = "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	doc := []byte(`
Keys:
  Symmetric:
    Aes:
      - Metadata:
          KeyId: ` + keyID + `
        Tags:
          - {TagKey: team, TagValue: payments}
          - TagKey: env
            TagValue: test
`)
	e := start(t)
	sd, err := cofferkms.ParseSeed(doc)
	if err != nil {
		t.Fatalf("ParseSeed: %v", err)
	}
	if _, err := e.App.KMS.ApplySeed(ctx(), sd, account, region); err != nil {
		t.Fatalf("ApplySeed of a seed with tags in the documented layout: %v", err)
	}
	tags := tagMap(t, e.client(""), aws.String(keyID))
	if len(tags) != 2 || tags["team"] != "payments" || tags["env"] != "test" {
		t.Errorf("seeded tags %v", tags)
	}
}
