package sqlstore

import (
	"unicode/utf8"

	"github.com/coffer-kms/coffer/internal/store"
)

// The S3 tables' column lists, in the order the decoders below scan them.
const (
	BucketCols = `name, account, region, created_at, encryption, policy`
	// EncCols are the store.ObjectEncryption columns of objects and uploads.
	EncCols = `enc_mode, kms_key_arn, kms_context, encrypted_data_key, bucket_key,
	sealed_key, customer_key_check, customer_key_md5`
	ObjectCols = `bucket, key, blob_id, size, etag, last_modified, content_type, metadata,
	checksum, parts, ` + EncCols
	UploadCols = `upload_id, bucket, key, initiated, content_type, metadata, checksum_algorithm, ` + EncCols
	PartCols   = `upload_id, number, blob_id, size, encrypted_size, etag, checksum, last_modified`
)

// EncArgs appends e's EncCols values, in order, to a. Empty byte slices are
// stored as NULL and read back as nil.
func EncArgs(a []any, e *store.ObjectEncryption) []any {
	return append(a, e.Mode, e.KMSKeyARN, e.KMSContext, NullBlob(e.EncryptedDataKey), e.BucketKey,
		NullBlob(e.SealedKey), NullBlob(e.CustomerKeyCheck), e.CustomerKeyMD5)
}

// encDest appends to d the destinations of the EncCols columns into e.
func encDest(e *store.ObjectEncryption, d []any) []any {
	return append(d, &e.Mode, &e.KMSKeyARN, &e.KMSContext, &e.EncryptedDataKey, &e.BucketKey,
		&e.SealedKey, &e.CustomerKeyCheck, &e.CustomerKeyMD5)
}

// encFinish makes e's empty byte slices nil.
func encFinish(e *store.ObjectEncryption) {
	for _, b := range []*[]byte{&e.EncryptedDataKey, &e.SealedKey, &e.CustomerKeyCheck} {
		if len(*b) == 0 {
			*b = nil
		}
	}
}

// Bucket decodes a BucketCols row.
func (Decoder[T, PT]) Bucket(sc Scanner) (store.Bucket, error) {
	var b store.Bucket
	var created T
	if err := sc.Scan(&b.Name, &b.Account, &b.Region, PT(&created), &b.Encryption, &b.Policy); err != nil {
		return store.Bucket{}, err
	}
	b.CreatedAt = PT(&created).Time()
	return b, nil
}

// ObjectScan holds the ObjectCols columns that need converting; GetObject
// uses it directly (see KeyScan).
type ObjectScan[T any, PT TimeColumn[T]] struct {
	modified T
}

// Dest appends to d the destinations of the ObjectCols columns into o and s.
func (s *ObjectScan[T, PT]) Dest(o *store.Object, d []any) []any {
	d = append(d, &o.Bucket, &o.Key, &o.BlobID, &o.Size, &o.ETag, PT(&s.modified), &o.ContentType,
		&o.Metadata, &o.Checksum, &o.Parts)
	return encDest(&o.Encryption, d)
}

// Finish converts into o what Scan wrote into s.
func (s *ObjectScan[T, PT]) Finish(o *store.Object) {
	o.LastModified = PT(&s.modified).Time()
	encFinish(&o.Encryption)
}

// Object decodes an ObjectCols row.
func (Decoder[T, PT]) Object(sc Scanner) (store.Object, error) {
	var o store.Object
	var s ObjectScan[T, PT]
	var buf [18]any
	if err := sc.Scan(s.Dest(&o, buf[:0])...); err != nil {
		return store.Object{}, err
	}
	s.Finish(&o)
	return o, nil
}

// Upload decodes an UploadCols row.
func (Decoder[T, PT]) Upload(sc Scanner) (store.Upload, error) {
	var u store.Upload
	var initiated T
	var buf [15]any
	d := append(buf[:0], &u.UploadID, &u.Bucket, &u.Key, PT(&initiated), &u.ContentType, &u.Metadata,
		&u.ChecksumAlgorithm)
	if err := sc.Scan(encDest(&u.Encryption, d)...); err != nil {
		return store.Upload{}, err
	}
	u.Initiated = PT(&initiated).Time()
	encFinish(&u.Encryption)
	return u, nil
}

// Part decodes a PartCols row.
func (Decoder[T, PT]) Part(sc Scanner) (store.Part, error) {
	var p store.Part
	var number int64
	var modified T
	if err := sc.Scan(&p.UploadID, &number, &p.BlobID, &p.Size, &p.EncryptedSize, &p.ETag, &p.Checksum,
		PT(&modified)); err != nil {
		return store.Part{}, err
	}
	p.Number = int(number)
	p.LastModified = PT(&modified).Time()
	return p, nil
}

// Blobs returns the blobs of an object row: id unless "", then parts.
func Blobs(id string, parts []string) []string {
	var out []string
	if id != "" {
		out = append(out, id)
	}
	return append(out, parts...)
}

// PrefixEnd returns the least string that sorts, in byte order, after
// every string starting with prefix, so that "key >= prefix AND key < end"
// selects exactly the keys starting with prefix; ok is false when there is
// no such bound ("" and prefixes made only of the greatest characters).
//
// For valid UTF-8 prefixes the bound is valid UTF-8 too (PostgreSQL
// rejects anything else in a text parameter) and exact among valid UTF-8
// keys: the last character is replaced by the next code point (skipping
// surrogates), U+10FFFF is dropped and the one before it incremented.
// Since UTF-8 preserves code point order and no encoding is a prefix of
// another, nothing valid lies between. Invalid prefixes get the plain byte
// successor.
func PrefixEnd(prefix string) (end string, ok bool) {
	if !utf8.ValidString(prefix) {
		b := []byte(prefix)
		for i := len(b) - 1; i >= 0; i-- {
			if b[i] < 0xff {
				b[i]++
				return string(b[:i+1]), true
			}
		}
		return "", false
	}
	for p := prefix; p != ""; {
		r, size := utf8.DecodeLastRuneInString(p)
		p = p[:len(p)-size]
		if r == utf8.MaxRune {
			continue
		}
		r++
		if r >= 0xD800 && r <= 0xDFFF {
			r = 0xE000
		}
		return string(utf8.AppendRune([]byte(p), r)), true
	}
	return "", false
}
