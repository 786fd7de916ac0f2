package s3

import (
	"bytes"
	"io"
	"sync"
)

// copyBufferSize is the size of the buffers object bytes are copied
// through between the connection and the encryption layer: large enough
// that a 256 KiB socket read or write carries them (32 KiB, io.Copy's
// default, cost eight system calls per 256 KiB).
const copyBufferSize = 256 << 10

// copyBuffers pools the plaintext copy buffers of object transfers. A
// buffer is zeroed before it returns to the pool: it held plaintext.
type copyBuffers struct{ pool sync.Pool }

func (c *copyBuffers) get() *[]byte {
	if b, ok := c.pool.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, copyBufferSize)
	return &b
}

func (c *copyBuffers) put(b *[]byte) {
	clear(*b)
	c.pool.Put(b)
}

// copyThrough copies src to dst through buf, and through nothing else:
// neither side's ReadFrom or WriteTo (http.ResponseWriter's would copy in
// 32 KiB pieces through a buffer of its own, which is not zeroed).
func copyThrough(dst io.Writer, src io.Reader, buf []byte) (int64, error) {
	var written int64
	for {
		n, rerr := src.Read(buf)
		if n > 0 {
			w, werr := dst.Write(buf[:n])
			written += int64(w)
			if werr != nil {
				return written, werr
			}
			if w != n {
				return written, io.ErrShortWrite
			}
		}
		if rerr == io.EOF {
			return written, nil
		}
		if rerr != nil {
			return written, rerr
		}
	}
}

func readFull(r io.Reader, b []byte) (int, error) {
	if r == nil {
		return 0, io.EOF
	}
	return io.ReadFull(r, b)
}

func prepend(head []byte, r io.Reader) io.Reader {
	return io.MultiReader(bytes.NewReader(head), r)
}
