package s3

import (
	"bytes"
	"io"
	"sync"

	"github.com/coffer-kms/coffer/internal/checksum"
)

func readFull(r io.Reader, b []byte) (int, error) {
	if r == nil {
		return 0, io.EOF
	}
	return io.ReadFull(r, b)
}

func prepend(head []byte, r io.Reader) io.Reader {
	return io.MultiReader(bytes.NewReader(head), r)
}

// Buffers of the overlapped receive path (copyHashed): hashBuffers of
// hashBufferSize each per request, taken from the Service's pool.
const (
	hashBufferSize = 256 << 10
	hashBuffers    = 3
)

// bufferPool holds the buffers of copyHashed, shared by a Service's
// requests.
type bufferPool struct{ p sync.Pool }

func (bp *bufferPool) get() *[]byte {
	if b, ok := bp.p.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, hashBufferSize)
	return &b
}

func (bp *bufferPool) put(b *[]byte) { bp.p.Put(b) }

// hashIsSlow reports whether h computes a hash slow enough (MD5, SHA-1,
// SHA-256, CRC-64/NVME: 0.4–1.9 GB/s, docs/blob.md) to be worth a second
// goroutine; CRC32 and CRC32C run at tens of GB/s.
func hashIsSlow(h *checksum.MultiHasher) bool {
	switch h.Algorithm() {
	case "", checksum.CRC32, checksum.CRC32C:
		return h.HasMD5()
	}
	return true
}

// copyHashed copies src to dst until EOF and writes the same bytes to h,
// returning the number of bytes copied. When h is slow (hashIsSlow) it
// runs in a second goroutine, fed the buffers dst is written from, so
// that hashing overlaps reading, encrypting and writing on another core.
//
// Buffer ownership: a buffer is taken from free by this goroutine only,
// filled, handed to the hasher (work) and written to dst; the hasher
// hands it back on free once hashed. This goroutine therefore refills a
// buffer only after it has written it to dst itself and the hasher, which
// only reads it, is done with it (the channel operations order the
// accesses), and dst must not keep p after Write returns (io.Writer's
// contract). h sees the bytes in order; the caller must not use h before
// copyHashed returns, which it does only after the hasher has finished.
func (s *Service) copyHashed(dst io.Writer, h *checksum.MultiHasher, src io.Reader) (int64, error) {
	if !hashIsSlow(h) {
		return io.Copy(io.MultiWriter(h, dst), src)
	}
	var bufs [hashBuffers]*[]byte
	free := make(chan []byte, hashBuffers)
	for i := range bufs {
		bufs[i] = s.bufs.get()
		free <- *bufs[i]
	}
	work := make(chan []byte, hashBuffers)
	hashed := make(chan struct{})
	go func() {
		defer close(hashed)
		for b := range work {
			h.Write(b)
			free <- b
		}
	}()
	var n int64
	var err error
	for err == nil {
		buf := <-free
		k, rerr := fill(src, buf[:cap(buf)])
		if k > 0 {
			work <- buf[:k]
			var wn int
			wn, err = dst.Write(buf[:k])
			n += int64(wn)
			if err == nil && wn < k {
				err = io.ErrShortWrite
			}
		}
		if err == nil && rerr != nil {
			if rerr != io.EOF {
				err = rerr
			}
			break
		}
	}
	close(work)
	<-hashed
	for _, b := range bufs {
		s.bufs.put(b)
	}
	return n, err
}

// fill reads from r into b until b is full or r fails, and returns the
// bytes read and r's error (io.EOF as is: unlike io.ReadFull it does not
// turn a short read into io.ErrUnexpectedEOF, which a body reader returns
// for a truncated body).
func fill(r io.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		k, err := r.Read(b[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
