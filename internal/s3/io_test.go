package s3

import (
	"bytes"
	"crypto/md5"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"

	"github.com/coffer-kms/coffer/internal/checksum"
)

// failingWriter fails once more than limit bytes were written to it.
type failingWriter struct {
	buf   bytes.Buffer
	limit int
}

var errWrite = errors.New("write failed")

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.buf.Len()+len(p) > w.limit {
		return 0, errWrite
	}
	return w.buf.Write(p)
}

// TestCopyHashed checks the overlapped copy (run it with -race): every
// byte reaches dst and the hasher in order, whatever the sizes and read
// chunking, and read and write errors come back.
func TestCopyHashed(t *testing.T) {
	s := New(Config{})
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	errRead := errors.New("read failed")
	tests := []struct {
		name     string
		size     int
		alg      checksum.Algorithm
		withMD5  bool
		reader   func(io.Reader) io.Reader
		limit    int // dst fails beyond limit bytes; 0: no limit
		wantErr  error
		wantSize int
	}{
		{name: "empty", size: 0, withMD5: true},
		{name: "one byte", size: 1, withMD5: true},
		{name: "buffer-1", size: hashBufferSize - 1, withMD5: true},
		{name: "buffer", size: hashBufferSize, withMD5: true},
		{name: "buffer+1", size: hashBufferSize + 1, withMD5: true},
		{name: "many buffers", size: 7*hashBufferSize + 12345, withMD5: true, alg: checksum.SHA256},
		{name: "slow checksum only", size: 3*hashBufferSize + 5, alg: checksum.CRC64NVME},
		{name: "fast checksum only (inline)", size: 3*hashBufferSize + 5, alg: checksum.CRC32C},
		{name: "nothing to hash (inline)", size: 3*hashBufferSize + 5},
		{name: "one-byte reads", size: 70000, withMD5: true, reader: iotest.OneByteReader},
		{name: "half reads", size: 2*hashBufferSize + 3, withMD5: true, reader: iotest.HalfReader},
		{name: "data with EOF", size: hashBufferSize + 3, withMD5: true, reader: iotest.DataErrReader},
		{name: "read error", size: 2*hashBufferSize + 3, withMD5: true, wantErr: errRead, wantSize: 2*hashBufferSize + 3,
			reader: func(r io.Reader) io.Reader { return io.MultiReader(r, iotest.ErrReader(errRead)) }},
		{name: "write error", size: 5 * hashBufferSize, withMD5: true, limit: 2 * hashBufferSize, wantErr: errWrite, wantSize: 2 * hashBufferSize},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := random(tc.size)
			var src io.Reader = bytes.NewReader(data)
			if tc.reader != nil {
				src = tc.reader(src)
			}
			dst := &failingWriter{limit: tc.limit}
			if tc.limit == 0 {
				dst.limit = 1 << 62
			}
			h := checksum.NewMultiHasher(tc.alg, tc.withMD5)
			n, err := s.copyHashed(dst, h, src)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil {
				if n != int64(tc.wantSize) || dst.buf.Len() != tc.wantSize {
					t.Errorf("copied %d (dst %d), want %d", n, dst.buf.Len(), tc.wantSize)
				}
				return
			}
			if n != int64(tc.size) || !bytes.Equal(dst.buf.Bytes(), data) {
				t.Fatalf("copied %d bytes, dst differs: %v", n, !bytes.Equal(dst.buf.Bytes(), data))
			}
			if h.Size() != int64(tc.size) {
				t.Fatalf("hashed %d bytes", h.Size())
			}
			if tc.withMD5 {
				if sum := md5.Sum(data); !bytes.Equal(h.MD5(), sum[:]) {
					t.Error("MD5 differs")
				}
			}
			if tc.alg != "" {
				want := checksum.New(tc.alg)
				want.Write(data)
				if !bytes.Equal(h.Sum(), want.Sum(nil)) {
					t.Error("checksum differs")
				}
			}
		})
	}
}
