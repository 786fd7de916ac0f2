package s3

import (
	"bytes"
	"io"
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
