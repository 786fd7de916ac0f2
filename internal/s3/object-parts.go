package s3

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/coffer-kms/coffer/internal/blob"
	"github.com/coffer-kms/coffer/internal/sse"
	"github.com/coffer-kms/coffer/internal/store"
)

// eagerParts is how many of the parts a read touches are opened before the
// response starts. An open blob stays readable when a concurrent overwrite
// or delete removes it, so a read of up to eagerParts parts sees one
// consistent object; parts after those are opened when the read reaches
// them, and if the object was replaced meanwhile the read fails there (the
// response is cut, never finished cleanly).
const eagerParts = 32

// objectParts decodes the Parts of a multipart object.
func objectParts(o store.Object) ([]sse.Part, error) {
	var parts []sse.Part
	if err := json.Unmarshal([]byte(o.Parts), &parts); err != nil {
		return nil, fmt.Errorf("object %s/%s: stored parts: %w", o.Bucket, o.Key, err)
	}
	return parts, nil
}

// partSource is the encrypted bytes of a multipart object stored by
// reference (store.Object.PartBlobs) seen as one io.ReaderAt: the parts'
// blobs one after another, as sse.OpenMultipartRange expects them. Only
// the blobs a read touches are opened.
//
// Reads move forward through the parts (sse.OpenMultipartRange reads one
// part after another), so a read in part i closes the blobs of the parts
// before it: a long read holds few files at a time.
type partSource struct {
	ids    []blob.ID
	starts []int64 // starts[i]: offset of part i; starts[len(ids)]: total size
	files  []*blob.Reader
	open   func(blob.ID) (*blob.Reader, error)
	passed int // the blobs of parts before passed are closed
}

var _ io.ReaderAt = (*partSource)(nil)

// openParts prepares the part blobs of o for reading plaintext
// [offset, offset+length): the first eagerParts parts of that range are
// opened now. errBlobGone if one of them no longer exists (the object was
// replaced after its description was read).
func (s *Service) openParts(ctx context.Context, o store.Object, parts []sse.Part, offset, length int64) (*partSource, error) {
	if len(parts) != len(o.PartBlobs) {
		return nil, fmt.Errorf("object %s/%s: %d parts but %d part blobs", o.Bucket, o.Key, len(parts), len(o.PartBlobs))
	}
	ps := &partSource{
		ids:    make([]blob.ID, len(parts)),
		starts: make([]int64, len(parts)+1),
		files:  make([]*blob.Reader, len(parts)),
		open:   func(id blob.ID) (*blob.Reader, error) { return s.blobs.Open(ctx, id) },
	}
	var plain int64
	var eager []int
	for i, p := range parts {
		id, err := blob.ParseID(o.PartBlobs[i])
		if err != nil {
			return nil, fmt.Errorf("object %s/%s: part %d: %w", o.Bucket, o.Key, p.Number, err)
		}
		n, err := sse.DecryptedSize(p.EncryptedSize)
		if err != nil {
			return nil, fmt.Errorf("object %s/%s: part %d: %w", o.Bucket, o.Key, p.Number, err)
		}
		ps.ids[i] = id
		ps.starts[i+1] = ps.starts[i] + p.EncryptedSize
		// Part i is touched if its plaintext meets the range; an empty
		// range touches nothing.
		if length > 0 && plain < offset+length && offset < plain+n && len(eager) < eagerParts {
			eager = append(eager, i)
		}
		plain += n
	}
	for _, i := range eager {
		if _, err := ps.file(i); err != nil {
			ps.Close()
			if errors.Is(err, blob.ErrNotFound) {
				return nil, fmt.Errorf("%w: object %s/%s, part %d", errBlobGone, o.Bucket, o.Key, i+1)
			}
			return nil, fmt.Errorf("object %s/%s: %w", o.Bucket, o.Key, err)
		}
	}
	return ps, nil
}

// file returns part i's blob, opening it on first use.
func (p *partSource) file(i int) (*blob.Reader, error) {
	if p.files[i] == nil {
		f, err := p.open(p.ids[i])
		if err != nil {
			return nil, fmt.Errorf("open part blob %d: %w", i, err)
		}
		p.files[i] = f
	}
	return p.files[i], nil
}

// ReadAt implements io.ReaderAt over the concatenated part blobs.
func (p *partSource) ReadAt(b []byte, off int64) (int, error) {
	total := p.starts[len(p.ids)]
	if off < 0 {
		return 0, errors.New("s3: negative offset")
	}
	n := 0
	for len(b) > 0 {
		if off >= total {
			return n, io.EOF
		}
		// The part holding off: the first whose end is past it.
		i := sort.Search(len(p.ids), func(i int) bool { return p.starts[i+1] > off })
		for ; p.passed < i; p.passed++ {
			if f := p.files[p.passed]; f != nil {
				f.Close()
				p.files[p.passed] = nil
			}
		}
		f, err := p.file(i)
		if err != nil {
			return n, err
		}
		want := int(min(int64(len(b)), p.starts[i+1]-off))
		m, err := f.ReadAt(b[:want], off-p.starts[i])
		n, off, b = n+m, off+int64(m), b[m:]
		if m < want {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF // the blob is shorter than recorded
			}
			return n, err
		}
	}
	return n, nil
}

// Close closes the blobs opened so far.
func (p *partSource) Close() error {
	var errs []error
	for i, f := range p.files {
		if f != nil {
			errs = append(errs, f.Close())
			p.files[i] = nil
		}
	}
	return errors.Join(errs...)
}
