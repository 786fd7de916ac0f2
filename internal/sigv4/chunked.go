package sigv4

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// The X-Amz-Content-Sha256 values of aws-chunked uploads that
// Verifier.ChunkedReader decodes. See docs/sigv4.md.
const (
	// StreamingSigned: every chunk carries a signature chained from the
	// request's signature.
	StreamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	// StreamingSignedTrailer: signed chunks, then trailing headers signed
	// by x-amz-trailer-signature.
	StreamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	// StreamingUnsignedTrailer: unsigned chunks, then unsigned trailing
	// headers (typically x-amz-checksum-crc32), as aws-sdk-go-v2 and the
	// AWS CLI send over HTTPS.
	StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// Limits of the aws-chunked decoder.
const (
	// DefaultMaxChunkSize is the largest signed chunk accepted. A signed
	// chunk is held in memory until its signature verifies, so this bounds
	// the memory of one upload. SDKs send 64 KiB (the AWS example,
	// minio-go) or 128 KiB (the Java SDK) chunks; MinIO's limit is also
	// 16 MiB.
	DefaultMaxChunkSize = 16 << 20
	// MaxUnsignedChunkSize is the largest unsigned chunk accepted: the
	// 5 GiB limit of a PutObject or UploadPart body. Unsigned chunks are
	// streamed, never held; aws-sdk-go-v2 sends a body of known length as
	// one chunk.
	MaxUnsignedChunkSize = 5 << 30
	// MaxChunkLineLength bounds a chunk header or trailer line, CRLF
	// included.
	MaxChunkLineLength = 4096
	// MaxTrailers bounds the number of trailing headers.
	MaxTrailers = 8

	chunkPayloadAlgorithm = "AWS4-HMAC-SHA256-PAYLOAD"
	chunkTrailerAlgorithm = "AWS4-HMAC-SHA256-TRAILER"
	trailerSignatureName  = "x-amz-trailer-signature"
)

// streamingHeaders fills in DecodedContentLength and Trailer from r.
func (res *Result) streamingHeaders(r *http.Request) *Error {
	if s := r.Header.Get("X-Amz-Decoded-Content-Length"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 || s[0] == '+' {
			return newError(KindMalformedChunk, "x-amz-decoded-content-length must be a non-negative integer, not '"+s+"'.")
		}
		res.DecodedContentLength = n
	}
	for _, v := range r.Header.Values("X-Amz-Trailer") {
		for name := range strings.SplitSeq(v, ",") {
			name = strings.ToLower(strings.TrimSpace(name))
			if name == "" {
				continue
			}
			if !validTrailerName(name) || len(res.Trailer) == MaxTrailers || slices.Contains(res.Trailer, name) {
				return newError(KindMalformedTrailer, msgMalformedTrailer)
			}
			res.Trailer = append(res.Trailer, name)
		}
	}
	return nil
}

// validTrailerName reports whether s is a lower-case header token that may
// trail a body: not x-amz-trailer-signature, which only the decoder sets.
func validTrailerName(s string) bool {
	if s == "" || s == trailerSignatureName {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// ChunkedReader decodes an aws-chunked request body whose X-Amz-Content-Sha256
// Verify accepted as one of StreamingSigned, StreamingSignedTrailer or
// StreamingUnsignedTrailer. res is the Result of that Verify; body is the
// request body (Content-Encoding: aws-chunked).
//
// The returned reader yields the decoded payload. Signed chunks are held
// (at most MaxChunkSize bytes, DefaultMaxChunkSize when zero) and released
// only once their signature verifies; unsigned chunks stream through. The
// decoded length, the final chunk and the trailers are checked at the end,
// so a caller must not commit what it read until Read returns io.EOF.
//
// ChunkedReader returns a KindContentSHA256Mismatch *Error for any other
// payload hash.
func (v *Verifier) ChunkedReader(res *Result, body io.Reader) (*ChunkedReader, error) {
	c := &ChunkedReader{
		want:     res.DecodedContentLength,
		declared: res.Trailer,
		maxChunk: DefaultMaxChunkSize,
	}
	if v.MaxChunkSize > 0 {
		c.maxChunk = int64(v.MaxChunkSize)
	}
	switch res.PayloadHash {
	case StreamingSigned:
		c.signed = true
	case StreamingSignedTrailer:
		c.signed, c.trailer = true, true
	case StreamingUnsignedTrailer:
		c.trailer = true
		c.maxChunk = MaxUnsignedChunkSize
	default:
		return nil, newError(KindContentSHA256Mismatch, "x-amz-content-sha256 '"+res.PayloadHash+"' is not a supported aws-chunked payload.")
	}
	if c.signed {
		if res.key == nil || res.amzDate == "" {
			return nil, errors.New("sigv4: ChunkedReader needs the Result of Verify")
		}
		seed, ok := decodeHash(res.Signature)
		if !ok {
			return nil, newError(KindSignatureMismatch, msgSignatureMismatch)
		}
		hex.Encode(c.prev[:], seed[:])
		c.key = res.key
		c.h = sha256.New()
		c.prefix = []byte(chunkPayloadAlgorithm + "\n" + res.amzDate + "\n" + res.Date + "/" + res.Region + "/" + res.Service + "/" + Terminator + "\n")
	}
	if !c.trailer {
		c.declared = nil
	}
	c.r = bufio.NewReaderSize(body, MaxChunkLineLength)
	return c, nil
}

// ChunkedReader is the decoded payload of an aws-chunked body. It is not
// safe for concurrent use.
//
// Read returns an *Error for a body that fails verification:
// KindSignatureMismatch for a chunk or trailer signature that does not
// match, KindIncompleteBody for a body cut short or shorter than
// X-Amz-Decoded-Content-Length, KindMalformedChunk for bad framing or an
// oversized chunk, KindMalformedTrailer for bad trailers. An error of the
// underlying body other than io.EOF is returned as is. Errors are sticky.
type ChunkedReader struct {
	r               *bufio.Reader
	signed, trailer bool
	key             *signingKey
	h               hash.Hash
	prefix          []byte // "AWS4-HMAC-SHA256-PAYLOAD\n" date "\n" scope "\n"
	prev            [2 * sha256.Size]byte
	sts             []byte
	maxChunk        int64
	buf, out        []byte // signed: the current chunk, and its unread rest
	left            int64  // unsigned: bytes left in the current chunk
	afterData       bool   // unsigned: a CRLF ends the current chunk
	decoded, want   int64
	declared        []string
	trailers        map[string]string
	done            bool
	err             error
	sum, mac        [sha256.Size]byte
}

var _ io.Reader = (*ChunkedReader)(nil)

// Trailers returns the trailing headers, names in lower case, once Read has
// returned io.EOF; nil before, or when the body had none. The trailer
// signature of a StreamingSignedTrailer body has been verified and is not
// included. Checksums such as x-amz-checksum-crc32 are the caller's to
// verify against the decoded payload.
func (c *ChunkedReader) Trailers() map[string]string {
	if !c.done {
		return nil
	}
	return c.trailers
}

// Read reads decoded payload into p.
func (c *ChunkedReader) Read(p []byte) (int, error) {
	for {
		if len(c.out) > 0 {
			n := copy(p, c.out)
			c.out = c.out[n:]
			return n, nil
		}
		if c.err != nil {
			return 0, c.err
		}
		if len(p) == 0 {
			return 0, nil
		}
		if c.left > 0 {
			return c.readUnsigned(p)
		}
		if c.afterData {
			if c.err = c.readCRLF(); c.err != nil {
				return 0, c.err
			}
			c.afterData = false
		}
		c.err = c.next()
	}
}

// readUnsigned streams the current unsigned chunk.
func (c *ChunkedReader) readUnsigned(p []byte) (int, error) {
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	c.decoded += int64(n)
	if err != nil && c.left > 0 {
		c.err = readErr(err)
		if n == 0 {
			return 0, c.err
		}
	}
	return n, nil
}

// next reads a chunk header and, for a signed chunk, the chunk, or the end
// of the body after the final chunk.
func (c *ChunkedReader) next() error {
	line, err := c.readLine()
	if err != nil {
		return err
	}
	sizeHex, sig := line, []byte(nil)
	if c.signed {
		var ok bool
		sizeHex, sig, ok = bytes.Cut(line, []byte(";chunk-signature="))
		if !ok || len(sig) != 2*sha256.Size {
			return newError(KindMalformedChunk, "Invalid chunk header: expected 'hex-size;chunk-signature=signature'.")
		}
	}
	size, ok := parseChunkSize(sizeHex)
	if !ok {
		return newError(KindMalformedChunk, "Invalid chunk size '"+truncate(string(sizeHex))+"'.")
	}
	if size > c.maxChunk {
		return newError(KindMalformedChunk, "Chunk size "+strconv.FormatInt(size, 10)+" exceeds the limit of "+strconv.FormatInt(c.maxChunk, 10)+" bytes.")
	}
	if c.want >= 0 && size > c.want-c.decoded {
		return newError(KindMalformedChunk, "The decoded body is longer than x-amz-decoded-content-length "+strconv.FormatInt(c.want, 10)+".")
	}
	if c.signed {
		if err := c.readSigned(size, sig); err != nil {
			return err
		}
	} else if size > 0 {
		c.left, c.afterData = size, true
		return nil
	}
	if size > 0 {
		return nil
	}
	return c.end()
}

// readSigned reads a signed chunk of size bytes and its CRLF, checks its
// signature and makes it the next output.
func (c *ChunkedReader) readSigned(size int64, sig []byte) error {
	want, ok := decodeHexHash(sig)
	if !ok {
		return newError(KindSignatureMismatch, msgSignatureMismatch)
	}
	// Grow the buffer as data arrives, not as the header claims.
	c.buf = c.buf[:0]
	c.h.Reset()
	for int64(len(c.buf)) < size {
		if len(c.buf) == cap(c.buf) {
			c.buf = slices.Grow(c.buf, int(min(size-int64(len(c.buf)), max(int64(cap(c.buf)), 64<<10))))
		}
		end := min(int64(cap(c.buf)), size)
		n, err := c.r.Read(c.buf[len(c.buf):end])
		c.h.Write(c.buf[len(c.buf) : len(c.buf)+n])
		c.buf = c.buf[:len(c.buf)+n]
		if err != nil && int64(len(c.buf)) < size {
			return readErr(err)
		}
	}
	if size > 0 {
		if err := c.readCRLF(); err != nil {
			return err
		}
	}
	var hexSum [2 * sha256.Size]byte
	hex.Encode(hexSum[:], c.h.Sum(c.sum[:0]))
	sts := append(c.sts[:0], c.prefix...)
	sts = append(sts, c.prev[:]...)
	sts = append(sts, '\n')
	sts = append(sts, emptySHA256Hex...)
	sts = append(sts, '\n')
	sts = append(sts, hexSum[:]...)
	c.sts = sts
	c.key.mac(c.h, sts, &c.mac)
	if !hmac.Equal(c.mac[:], want[:]) {
		return newError(KindSignatureMismatch, msgSignatureMismatch)
	}
	hex.Encode(c.prev[:], c.mac[:])
	c.decoded += size
	c.out = c.buf
	return nil
}

// end reads what follows the final chunk: trailers (and their signature),
// then an empty line, then nothing.
func (c *ChunkedReader) end() error {
	if c.want >= 0 && c.decoded != c.want {
		return newError(KindIncompleteBody, msgIncompleteBody)
	}
	var trailerSig string
	for {
		b, err := c.readLine()
		if err != nil {
			return err
		}
		if len(b) == 0 {
			break
		}
		if !c.trailer || trailerSig != "" {
			return newError(KindMalformedTrailer, msgMalformedTrailer)
		}
		name, value, ok := strings.Cut(string(b), ":")
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.TrimSpace(value)
		if !ok {
			return newError(KindMalformedTrailer, msgMalformedTrailer)
		}
		if c.signed && name == trailerSignatureName {
			trailerSig = value
			continue
		}
		if !slices.Contains(c.declared, name) || c.trailers[name] != "" || value == "" {
			return newError(KindMalformedTrailer, msgMalformedTrailer)
		}
		if c.trailers == nil {
			c.trailers = make(map[string]string, len(c.declared))
		}
		c.trailers[name] = value
	}
	if len(c.trailers) != len(c.declared) {
		return newError(KindMalformedTrailer, msgMalformedTrailer)
	}
	if c.signed && c.trailer {
		if trailerSig == "" {
			return newError(KindMalformedTrailer, msgMalformedTrailer)
		}
		if !c.checkTrailerSignature(trailerSig) {
			return newError(KindSignatureMismatch, msgSignatureMismatch)
		}
	}
	// Nothing may follow.
	if _, err := c.r.ReadByte(); err == nil {
		return newError(KindMalformedChunk, "Unexpected data after the final chunk.")
	} else if err != io.EOF {
		return err
	}
	c.done = true
	return io.EOF
}

// checkTrailerSignature checks sig against HMAC(key,
// "AWS4-HMAC-SHA256-TRAILER\n" date "\n" scope "\n" previous signature "\n"
// hex(sha256(canonical trailers))), the trailers canonicalized as headers
// are: sorted, "name:value\n" each.
func (c *ChunkedReader) checkTrailerSignature(sig string) bool {
	want, ok := decodeHash(sig)
	if !ok {
		return false
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range c.trailers {
			if !yield(n) {
				return
			}
		}
	})
	c.h.Reset()
	for _, n := range names {
		c.h.Write([]byte(n))
		c.h.Write([]byte{':'})
		c.h.Write([]byte(c.trailers[n]))
		c.h.Write([]byte{'\n'})
	}
	var hexSum [2 * sha256.Size]byte
	hex.Encode(hexSum[:], c.h.Sum(c.sum[:0]))
	sts := append(c.sts[:0], chunkTrailerAlgorithm...)
	sts = append(sts, c.prefix[len(chunkPayloadAlgorithm):]...)
	sts = append(sts, c.prev[:]...)
	sts = append(sts, '\n')
	sts = append(sts, hexSum[:]...)
	c.sts = sts
	c.key.mac(c.h, sts, &c.mac)
	return hmac.Equal(c.mac[:], want[:])
}

// readLine reads a CRLF-terminated line of at most MaxChunkLineLength
// bytes and returns it without the CRLF, valid until the next read.
func (c *ChunkedReader) readLine() ([]byte, error) {
	line, err := c.r.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return nil, newError(KindMalformedChunk, "Chunk header or trailer line longer than "+strconv.Itoa(MaxChunkLineLength)+" bytes.")
	case err != nil:
		return nil, readErr(err)
	case len(line) < 2 || line[len(line)-2] != '\r':
		return nil, newError(KindMalformedChunk, "Chunk header or trailer line not terminated by CRLF.")
	}
	return line[:len(line)-2], nil
}

// readCRLF reads the CRLF that ends chunk data.
func (c *ChunkedReader) readCRLF() error {
	b, err := c.r.Peek(2)
	if len(b) == 2 && (b[0] != '\r' || b[1] != '\n') {
		return newError(KindMalformedChunk, "Chunk data not terminated by CRLF.")
	}
	if err != nil {
		return readErr(err)
	}
	c.r.Discard(2)
	return nil
}

// readErr maps the end of the body to KindIncompleteBody and passes other
// errors (a network failure, http.MaxBytesError) through.
func readErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return newError(KindIncompleteBody, msgIncompleteBody)
	}
	return err
}

// decodeHexHash decodes a 64-digit hex SHA-256.
func decodeHexHash(b []byte) (out [sha256.Size]byte, ok bool) {
	if len(b) != 2*sha256.Size {
		return out, false
	}
	for i := range out {
		h, ok1 := unhex(b[2*i])
		l, ok2 := unhex(b[2*i+1])
		if !ok1 || !ok2 {
			return out, false
		}
		out[i] = h<<4 | l
	}
	return out, true
}

// parseChunkSize parses 1 to 16 hex digits.
func parseChunkSize(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > 16 {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		d, ok := unhex(s[i])
		if !ok {
			return 0, false
		}
		n = n<<4 | uint64(d)
	}
	if n > 1<<62 {
		return 0, false
	}
	return int64(n), true
}

// truncate shortens s for an error message.
func truncate(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}
