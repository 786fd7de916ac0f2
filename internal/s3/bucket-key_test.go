package s3

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// fakeKeys is a KeyService that hands out fixed data keys.
type fakeKeys struct{ KeyService }

func (fakeKeys) GenerateDataKey(_ context.Context, c Caller, region, keyID string, encCtx map[string]string) ([]byte, []byte, string, error) {
	return bytes.Repeat([]byte{7}, 32), []byte("blob:" + c.PrincipalARN), "arn:aws:kms:us-east-1:111122223333:key/k", nil
}

func (fakeKeys) Decrypt(_ context.Context, c Caller, region, keyARN string, blob []byte, encCtx map[string]string) ([]byte, error) {
	return bytes.Repeat([]byte{7}, 32), nil
}

func TestBucketKeyCache(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := New(Config{Keys: fakeKeys{}, Now: func() time.Time { return now }, BucketKeyTTL: time.Minute})
	ctx := context.Background()
	alice := Caller{PrincipalARN: "arn:aws:iam::111122223333:user/alice"}
	bob := Caller{PrincipalARN: "arn:aws:iam::111122223333:user/bob"}
	encCtx := map[string]string{"aws:s3:arn": "arn:aws:s3:::b"}
	gen := func(c Caller, bucket string) []byte {
		t.Helper()
		p, blob, _, err := s.generateBucketKey(ctx, c, "us-east-1", bucket, "", encCtx)
		if err != nil || len(p) != 32 {
			t.Fatalf("generateBucketKey: %v", err)
		}
		return blob
	}
	tests := []struct {
		name    string
		run     func()
		wantGen int64
		wantDec int64
	}{
		{"first PUT generates", func() { gen(alice, "b") }, 1, 0},
		{"second PUT reuses", func() { gen(alice, "b"); gen(alice, "b") }, 1, 0},
		{"another principal generates its own", func() { gen(bob, "b") }, 2, 0},
		{"another bucket generates its own", func() { gen(alice, "c") }, 3, 0},
		{"GET by the writer reuses", func() {
			if _, err := s.decryptBucketKey(ctx, alice, "us-east-1", "arn:aws:kms:us-east-1:111122223333:key/k", []byte("blob:"+alice.PrincipalARN), encCtx); err != nil {
				t.Fatal(err)
			}
		}, 3, 0},
		{"GET by another principal decrypts", func() {
			if _, err := s.decryptBucketKey(ctx, bob, "us-east-1", "arn:aws:kms:us-east-1:111122223333:key/k", []byte("blob:"+alice.PrincipalARN), encCtx); err != nil {
				t.Fatal(err)
			}
		}, 3, 1},
		{"after the TTL a PUT generates again", func() { now = now.Add(time.Minute); gen(alice, "b") }, 4, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.run()
			if got := s.KMSCalls(); got.GenerateDataKey != tc.wantGen || got.Decrypt != tc.wantDec {
				t.Fatalf("KMS calls %+v, want GenerateDataKey %d Decrypt %d", got, tc.wantGen, tc.wantDec)
			}
		})
	}
}

func TestBucketKeyCacheBound(t *testing.T) {
	now := time.Now()
	var bc bucketKeyCache
	bc.ttl = time.Hour
	first := bytes.Repeat([]byte{1}, 32)
	bc.put(now, first, nil, "", "k0")
	kept := bc.m["k0"].plaintext
	for i := 1; i <= maxBucketKeys+10; i++ {
		bc.put(now, first, nil, "", "k"+string(rune('a'+i%26))+itoa(int64(i)))
	}
	if len(bc.m) > maxBucketKeys {
		t.Fatalf("cache holds %d entries, bound %d", len(bc.m), maxBucketKeys)
	}
	if _, ok := bc.m["k0"]; !ok && !bytes.Equal(kept, make([]byte, 32)) {
		t.Fatal("an evicted bucket key was not cleared")
	}
}

func TestBucketKEK(t *testing.T) {
	bk := bytes.Repeat([]byte{9}, 32)
	a, b := bucketKEK(bk, "ab", "c"), bucketKEK(bk, "a", "bc")
	if bytes.Equal(a, b) || len(a) != 32 {
		t.Fatal("bucket/object boundary not bound into the KEK")
	}
	if !bytes.Equal(a, bucketKEK(bk, "ab", "c")) {
		t.Fatal("KEK not deterministic")
	}
}
