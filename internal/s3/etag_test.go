package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"testing"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/blob"
	"github.com/coffer-kms/coffer/internal/checksum"
)

var etagShape = regexp.MustCompile(`^"[0-9a-f]{32}"$`)

// TestReceiveMD5 checks that receive computes MD5 only when the ETag is
// the MD5 or a Content-MD5 is to be verified, and that a Content-MD5 is
// verified in every mode.
func TestReceiveMD5(t *testing.T) {
	ctx := context.Background()
	bs, err := blob.New(ctx, t.TempDir(), blob.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{Blobs: bs})
	body := bytes.Repeat([]byte("coffer "), 50000)
	sum := md5.Sum(body)
	good := base64.StdEncoding.EncodeToString(sum[:])
	bad := base64.StdEncoding.EncodeToString(make([]byte, 16))
	key := bytes.Repeat([]byte{1}, 32)
	tests := []struct {
		name       string
		etagMD5    bool
		contentMD5 string
		alg        checksum.Algorithm
		wantMD5    bool
		wantErr    string
	}{
		{"SSE-S3", true, "", "", true, ""},
		{"SSE-S3 with Content-MD5", true, good, "", true, ""},
		{"SSE-S3 wrong Content-MD5", true, bad, "", true, awsproto.S3BadDigest},
		{"not MD5 ETag", false, "", "", false, ""},
		{"not MD5 ETag, with checksum", false, "", checksum.CRC32C, false, ""},
		{"not MD5 ETag, Content-MD5", false, good, "", true, ""},
		{"not MD5 ETag, wrong Content-MD5", false, bad, "", true, awsproto.S3BadDigest},
		{"not MD5 ETag, malformed Content-MD5", false, "xyz", "", true, awsproto.S3InvalidDigest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &Request{Body: bytes.NewReader(body), Size: int64(len(body))}
			rc, err := s.receive(ctx, r, key, tc.alg, "", false, tc.contentMD5, tc.etagMD5)
			if tc.wantErr != "" {
				if !isS3Error(err, tc.wantErr) {
					t.Fatalf("error %v, want %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rc.hasher.HasMD5() != tc.wantMD5 || rc.hasher.Size() != int64(len(body)) {
				t.Fatalf("HasMD5 %v, size %d", rc.hasher.HasMD5(), rc.hasher.Size())
			}
			if tc.wantMD5 && rc.hasher.ETag() != hex.EncodeToString(sum[:]) {
				t.Errorf("MD5 %s", rc.hasher.ETag())
			}
			if (tc.alg != "") != (rc.hasher.Checksum() != "") {
				t.Errorf("checksum %q for %q", rc.hasher.Checksum(), tc.alg)
			}
		})
	}
	var n int
	if err := bs.Walk(ctx, func(blob.Info) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if want := 5; n != want {
		t.Errorf("%d blobs committed, want %d (failed receives leave none)", n, want)
	}
}

// TestDataETag checks the ETag of each mode: the MD5 for SSE-S3, and for
// SSE-KMS and SSE-C a value of the same shape that is not the MD5 and
// differs for every write.
func TestDataETag(t *testing.T) {
	data := []byte("hello coffer")
	sum := md5.Sum(data)
	md5ETag := `"` + hex.EncodeToString(sum[:]) + `"`
	h := checksum.NewMultiHasher("", true)
	h.Write(data)
	rcA := &received{blobID: "0123456789abcdef0123456789abcdef", hasher: h}
	rcB := &received{blobID: "fedcba9876543210fedcba9876543210", hasher: checksum.NewMultiHasher("", false)}
	keyA, keyB := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	for _, tc := range []struct {
		mode    string
		wantMD5 bool
	}{
		{awsproto.SSEAlgorithmAES256, true},
		{awsproto.SSEAlgorithmKMS, false},
		{awsproto.SSEAlgorithmKMSDSSE, false},
		{modeSSEC, false},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			if etagIsMD5(tc.mode) != tc.wantMD5 {
				t.Fatalf("etagIsMD5 = %v", !tc.wantMD5)
			}
			got := dataETag(tc.mode, rcA, keyA)
			if !etagShape.MatchString(got) {
				t.Fatalf("ETag %s: not 32 hex digits in quotes", got)
			}
			if (got == md5ETag) != tc.wantMD5 {
				t.Fatalf("ETag %s, MD5 %s", got, md5ETag)
			}
			if tc.wantMD5 {
				return
			}
			// No MD5 needed, and unique per write (blob) and per key.
			others := []string{dataETag(tc.mode, rcB, keyA), dataETag(tc.mode, rcA, keyB)}
			for _, o := range others {
				if o == got || !etagShape.MatchString(o) {
					t.Errorf("ETag %s next to %s", o, got)
				}
			}
			if again := dataETag(tc.mode, rcA, keyA); again != got {
				t.Errorf("ETag not deterministic: %s, %s", again, got)
			}
		})
	}
}
