package s3

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/checksum"
	"github.com/coffer-kms/coffer/internal/sse"
	"github.com/coffer-kms/coffer/internal/store"
)

// minPartSize is the smallest part but the last, as in S3.
const minPartSize = 5 << 20

// InitiateMultipartUploadResult is the CreateMultipartUpload response.
type InitiateMultipartUploadResult struct {
	XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	UploadID string   `xml:"UploadId"`
}

// createMultipartUpload is CreateMultipartUpload: the object key is made
// and sealed now, as for PutObject (SSE headers are read here only), and
// each part is encrypted under a key derived from it (sse.PartKey).
func (s *Service) createMultipartUpload(ctx context.Context, r *Request) (*Response, error) {
	if len(r.Key) > maxKeyLength {
		return nil, s3Err(awsproto.S3KeyTooLongError, "")
	}
	b, err := s.bucket(ctx, r, r.Bucket, "s3:PutObject", objectARN(r.Bucket, r.Key))
	if err != nil {
		return nil, err
	}
	meta, err := objectMetadata(r.Header)
	if err != nil {
		return nil, err
	}
	var alg checksum.Algorithm
	var typ checksum.Type
	if v := r.Header.Get("X-Amz-Checksum-Algorithm"); v != "" {
		if alg, err = checksum.ParseAlgorithm(v); err != nil {
			return nil, checksumError(err)
		}
		typ = alg.DefaultType()
		if v := r.Header.Get("X-Amz-Checksum-Type"); v != "" {
			if typ, err = checksum.ParseType(v); err != nil {
				return nil, checksumError(err)
			}
			if err := alg.CheckType(typ); err != nil {
				return nil, checksumError(err)
			}
		}
	}
	so, err := s.newObjectKey(ctx, r, b)
	if err != nil {
		return nil, err
	}
	clear(so.key)
	var id [24]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, err
	}
	u := store.Upload{Bucket: r.Bucket, Key: r.Key, UploadID: hex.EncodeToString(id[:]), Initiated: s.now().UTC(),
		ContentType: r.Header.Get("Content-Type"), Metadata: meta, Encryption: so.enc}
	if alg != "" {
		u.ChecksumAlgorithm = string(alg) + ":" + string(typ)
	}
	if err := s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.CreateUpload(ctx, u) }); err != nil {
		return nil, fmt.Errorf("create upload: %w", err)
	}
	resp := newResponse(http.StatusOK)
	setSSEHeaders(resp.Header, u.Encryption)
	if u.Encryption.KMSKeyARN != "" && so.contextHeader != "" {
		resp.Header.Set(hSSEContext, so.contextHeader)
	}
	if alg != "" {
		resp.Header.Set("X-Amz-Checksum-Algorithm", string(alg))
		resp.Header.Set("X-Amz-Checksum-Type", string(typ))
	}
	resp.XML = &InitiateMultipartUploadResult{Bucket: r.Bucket, Key: r.Key, UploadID: u.UploadID}
	return resp, nil
}

// uploadAlgorithm splits an upload's stored "ALG:TYPE".
func uploadAlgorithm(u store.Upload) (checksum.Algorithm, checksum.Type) {
	a, t, _ := strings.Cut(u.ChecksumAlgorithm, ":")
	return checksum.Algorithm(a), checksum.Type(t)
}

// upload loads the upload of r (uploadId) for action: NoSuchUpload if it
// is absent or belongs to another key. The upload's encryption counts as
// the request's for the policy condition keys
// (s3:x-amz-server-side-encryption, ...-aws-kms-key-id) when the request
// names none: parts carry no SSE headers, and a policy requiring SSE-KMS
// must not refuse the parts of an SSE-KMS upload.
func (s *Service) upload(ctx context.Context, r *Request, action string) (store.Bucket, store.Upload, error) {
	b, err := s.store.GetBucket(ctx, r.Bucket)
	if errors.Is(err, store.ErrNotFound) {
		return b, store.Upload{}, s3Err(awsproto.S3NoSuchBucket, "").With("BucketName", r.Bucket)
	}
	if err != nil {
		return b, store.Upload{}, fmt.Errorf("get bucket: %w", err)
	}
	u, err := s.store.GetUpload(ctx, r.Bucket, r.Query.Get("uploadId"))
	found := err == nil && u.Key == r.Key
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return b, u, fmt.Errorf("get upload: %w", err)
	}
	ar := r
	if found && r.Header.Get(hSSE) == "" {
		switch u.Encryption.Mode {
		case awsproto.SSEAlgorithmAES256, awsproto.SSEAlgorithmKMS, awsproto.SSEAlgorithmKMSDSSE:
			c := *r
			c.Header = r.Header.Clone()
			c.Header.Set(hSSE, u.Encryption.Mode)
			if u.Encryption.KMSKeyARN != "" {
				c.Header.Set(hSSEKMSKeyID, u.Encryption.KMSKeyARN)
			}
			ar = &c
		}
	}
	if err := s.authorize(ctx, ar, &b, action, objectARN(r.Bucket, r.Key)); err != nil {
		return b, u, err
	}
	if !found {
		return b, u, s3Err(awsproto.S3NoSuchUpload, "").With("UploadId", r.Query.Get("uploadId"))
	}
	return b, u, nil
}

// uploadPart is UploadPart: the part is encrypted under its part key, with
// the SSE-C key of the upload if it has one (checked against the upload's).
// The part key comes from the object key, so an SSE-KMS part needs
// kms:Decrypt, as in S3.
func (s *Service) uploadPart(ctx context.Context, r *Request) (*Response, error) {
	n, err := strconv.Atoi(r.Query.Get("partNumber"))
	if err != nil || n < 1 || n > awsproto.MaxS3Parts {
		return nil, s3Err(awsproto.S3InvalidArgument, "Part number must be an integer between 1 and 10000, inclusive").
			With("ArgumentName", "partNumber").With("ArgumentValue", r.Query.Get("partNumber"))
	}
	b, u, err := s.upload(ctx, r, "s3:PutObject")
	if err != nil {
		return nil, err
	}
	switch {
	case r.Size < 0:
		return nil, s3Err(awsproto.S3MissingContentLength, "")
	case r.Size > maxPutSize:
		return nil, s3Err(awsproto.S3EntityTooLarge, "")
	}
	ck, err := checkCustomerKey(r, u.Encryption)
	if err != nil {
		return nil, err
	}
	alg, value, fromTrailer, err := requestChecksum(r)
	if err != nil {
		return nil, err
	}
	upAlg, _ := uploadAlgorithm(u)
	if upAlg != "" && alg != "" && alg != upAlg {
		return nil, s3Err(awsproto.S3InvalidRequest, "Checksum Type mismatch occurred, expected checksum Type: "+strings.ToLower(string(upAlg))+", actual checksum Type: "+strings.ToLower(string(alg)))
	}
	if alg == "" {
		alg = upAlg
	}
	key, err := s.openObjectKey(ctx, r.Caller, b, u.Key, u.Encryption, ck)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	partKey, err := sse.PartKey(key, n)
	if err != nil {
		return nil, err
	}
	defer clear(partKey)
	rc, err := s.receive(ctx, r, partKey, alg, value, fromTrailer, r.Header.Get("Content-Md5"), etagIsMD5(u.Encryption.Mode))
	if err != nil {
		return nil, err
	}
	p, err := s.recordPart(ctx, u, n, rc, partKey)
	if err != nil {
		return nil, err
	}
	resp := newResponse(http.StatusOK)
	resp.Header.Set("ETag", p.ETag)
	setSSEHeaders(resp.Header, u.Encryption)
	if alg != "" {
		resp.Header.Set(alg.Header(), p.Checksum)
	}
	return resp, nil
}

// recordPart records part n of upload u, written (UploadPart) or copied
// (UploadPartCopy) into rc under partKey, replacing any part n before it;
// the replaced part's blob is released after the response. If the upload
// is gone, the new blob is deleted and the error is NoSuchUpload.
func (s *Service) recordPart(ctx context.Context, u store.Upload, n int, rc *received, partKey []byte) (store.Part, error) {
	p := store.Part{UploadID: u.UploadID, Number: n, BlobID: rc.blobID, Size: rc.hasher.Size(), EncryptedSize: rc.encryptedSize,
		ETag: dataETag(u.Encryption.Mode, rc, partKey), Checksum: rc.hasher.Checksum(), LastModified: s.now().UTC()}
	var replaced string
	err := s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		var err error
		replaced, err = tx.PutPart(ctx, p)
		return err
	})
	if err != nil {
		s.deleteBlob(ctx, rc.blobID)
		if errors.Is(err, store.ErrNotFound) {
			return store.Part{}, s3Err(awsproto.S3NoSuchUpload, "").With("UploadId", u.UploadID)
		}
		return store.Part{}, fmt.Errorf("put part: %w", err)
	}
	s.releaseBlobs(ctx, []string{replaced})
	return p, nil
}

// CompleteMultipartUploadResult is the CompleteMultipartUpload response.
type CompleteMultipartUploadResult struct {
	XMLName           xml.Name `xml:"CompleteMultipartUploadResult"`
	Location          string   `xml:"Location"`
	Bucket            string   `xml:"Bucket"`
	Key               string   `xml:"Key"`
	ETag              string   `xml:"ETag"`
	ChecksumCRC32     string   `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string   `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string   `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string   `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string   `xml:"ChecksumSHA256,omitempty"`
	ChecksumType      string   `xml:"ChecksumType,omitempty"`
}

// completeMultipartUpload is CompleteMultipartUpload: the object is
// recorded as the listed parts' blobs, in order (each part stays its own
// stream under its part key, nothing is copied), and the upload removed,
// in one transaction. The cost is O(parts) metadata, whatever the size.
func (s *Service) completeMultipartUpload(ctx context.Context, r *Request) (*Response, error) {
	_, u, err := s.upload(ctx, r, "s3:PutObject")
	if err != nil {
		return nil, err
	}
	var body awsproto.CompleteMultipartUpload
	if err := awsproto.DecodeS3XML(r.Body, awsproto.MaxS3CompleteMultipartBody, &body); err != nil {
		return nil, err
	}
	if err := body.Validate(); err != nil {
		return nil, err
	}
	if _, err := checkCustomerKeyIfSent(r, u.Encryption); err != nil {
		return nil, err
	}
	stored, err := s.store.ListParts(ctx, u.UploadID, 0, awsproto.MaxS3Parts)
	if err != nil {
		return nil, fmt.Errorf("list parts: %w", err)
	}
	byNumber := make(map[int]store.Part, len(stored))
	for _, p := range stored {
		byNumber[p.Number] = p
	}
	alg, typ := uploadAlgorithm(u)
	var (
		parts   []store.Part
		ssParts []sse.Part
		md5s    [][]byte
		sums    []checksum.Part
		size    int64
	)
	for i, cp := range body.Parts {
		p, ok := byNumber[int(cp.PartNumber)]
		if !ok || !awsproto.ETagsMatch(cp.ETag, p.ETag, true) {
			return nil, s3Err(awsproto.S3InvalidPart, "").With("UploadId", u.UploadID).With("PartNumber", strconv.Itoa(int(cp.PartNumber)))
		}
		if i < len(body.Parts)-1 && p.Size < minPartSize {
			return nil, s3Err(awsproto.S3EntityTooSmall, "").With("ProposedSize", itoa(p.Size)).With("MinSizeAllowed", itoa(minPartSize)).
				With("PartNumber", strconv.Itoa(p.Number)).With("ETag", strings.Trim(p.ETag, `"`))
		}
		raw, err := hex.DecodeString(strings.Trim(p.ETag, `"`))
		if err != nil {
			return nil, fmt.Errorf("part %d: stored ETag: %w", p.Number, err)
		}
		if alg != "" {
			sum, err := alg.Decode(p.Checksum)
			if err != nil {
				return nil, s3Err(awsproto.S3InvalidPart, "The upload was created using a "+string(alg)+" checksum. The part "+strconv.Itoa(p.Number)+" was not uploaded with one.")
			}
			sums = append(sums, checksum.Part{Checksum: sum, Size: p.Size})
		}
		parts, md5s = append(parts, p), append(md5s, raw)
		ssParts = append(ssParts, sse.Part{Number: p.Number, EncryptedSize: p.EncryptedSize})
		size += p.Size
	}
	var objSum string
	if alg != "" {
		if objSum, err = checksum.Combine(alg, typ, sums); err != nil {
			return nil, checksumError(err)
		}
	}
	conds := awsproto.ConditionsFromHeader(r.Header)
	partsJSON, err := json.Marshal(ssParts)
	if err != nil {
		return nil, fmt.Errorf("encode parts: %w", err)
	}
	partBlobs := make([]string, len(parts))
	for i, p := range parts {
		partBlobs[i] = p.BlobID
	}
	// The object refers to its parts' blobs; nothing is copied. Removing
	// the upload and recording the object happen in one transaction, so a
	// crash leaves the upload (with every part) or the object, and each
	// part blob is referred to throughout.
	o := store.Object{Bucket: u.Bucket, Key: u.Key, Size: size,
		ETag: `"` + checksum.MultipartETag(md5s) + `"`, LastModified: s.now().UTC(), ContentType: u.ContentType,
		Metadata: u.Metadata, Parts: string(partsJSON), PartBlobs: partBlobs, Encryption: u.Encryption}
	if o.ContentType == "" {
		o.ContentType = "application/octet-stream"
	}
	if alg != "" {
		o.Checksum = string(alg) + ":" + objSum + ":" + string(typ)
	}
	var replaced, unused []string
	err = s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		if !conds.IsZero() {
			old, err := tx.GetObject(ctx, u.Bucket, u.Key)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if err := conds.EvaluateWrite(err == nil, old.ETag); err != nil {
				return err
			}
		}
		all, err := tx.DeleteUpload(ctx, u.Bucket, u.UploadID)
		if err != nil {
			return err
		}
		if unused, err = unusedParts(all, partBlobs); err != nil {
			return err
		}
		replaced, err = tx.PutObject(ctx, o)
		return err
	})
	if errors.Is(err, errPartReplaced) {
		return nil, s3Err(awsproto.S3InvalidPart, "").With("UploadId", u.UploadID)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, s3Err(awsproto.S3NoSuchUpload, "").With("UploadId", u.UploadID)
	}
	if err != nil {
		return nil, fmt.Errorf("complete upload: %w", err)
	}
	// Parts uploaded but not listed, and the replaced object's bytes.
	s.releaseBlobs(ctx, append(unused, replaced...))
	resp := newResponse(http.StatusOK)
	setSSEHeaders(resp.Header, o.Encryption)
	out := &CompleteMultipartUploadResult{Location: "/" + u.Bucket + "/" + u.Key, Bucket: u.Bucket, Key: u.Key, ETag: o.ETag}
	if alg != "" {
		out.ChecksumType = string(typ)
		switch alg {
		case checksum.CRC32:
			out.ChecksumCRC32 = objSum
		case checksum.CRC32C:
			out.ChecksumCRC32C = objSum
		case checksum.CRC64NVME:
			out.ChecksumCRC64NVME = objSum
		case checksum.SHA1:
			out.ChecksumSHA1 = objSum
		case checksum.SHA256:
			out.ChecksumSHA256 = objSum
		}
	}
	resp.XML = out
	return resp, nil
}

// checkCustomerKeyIfSent checks SSE-C headers when a request carries them
// (CompleteMultipartUpload needs them only in some cases).
func checkCustomerKeyIfSent(r *Request, enc store.ObjectEncryption) (*sse.CustomerKey, error) {
	if r.Header.Get(hSSECAlgorithm) == "" && r.Header.Get(hSSECKey) == "" && r.Header.Get(hSSECKeyMD5) == "" {
		return nil, nil
	}
	return checkCustomerKey(r, enc)
}

// errPartReplaced: a part listed in CompleteMultipartUpload was
// replaced by a concurrent UploadPart after it was checked.
var errPartReplaced = errors.New("s3: part replaced during completion")

// unusedParts returns the blobs of all (an upload's parts, as removed)
// that the completed object does not use, or errPartReplaced if one it
// uses is no longer among them.
func unusedParts(all, used []string) ([]string, error) {
	rest := make(map[string]bool, len(all))
	for _, id := range all {
		rest[id] = true
	}
	for _, id := range used {
		if !rest[id] {
			return nil, errPartReplaced
		}
		delete(rest, id)
	}
	out := make([]string, 0, len(rest))
	for _, id := range all {
		if rest[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

// abortMultipartUpload is AbortMultipartUpload: 204, the parts' bytes
// removed; NoSuchUpload if it is gone.
func (s *Service) abortMultipartUpload(ctx context.Context, r *Request) (*Response, error) {
	_, u, err := s.upload(ctx, r, "s3:AbortMultipartUpload")
	if err != nil {
		return nil, err
	}
	var ids []string
	err = s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		var err error
		ids, err = tx.DeleteUpload(ctx, u.Bucket, u.UploadID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, s3Err(awsproto.S3NoSuchUpload, "").With("UploadId", u.UploadID)
	}
	if err != nil {
		return nil, fmt.Errorf("delete upload: %w", err)
	}
	for _, id := range ids {
		s.deleteBlob(ctx, id)
	}
	return newResponse(http.StatusNoContent), nil
}

// ListPartsResult is the ListParts response.
type ListPartsResult struct {
	XMLName              xml.Name   `xml:"ListPartsResult"`
	Bucket               string     `xml:"Bucket"`
	Key                  string     `xml:"Key"`
	UploadID             string     `xml:"UploadId"`
	PartNumberMarker     int        `xml:"PartNumberMarker"`
	NextPartNumberMarker int        `xml:"NextPartNumberMarker"`
	MaxParts             int        `xml:"MaxParts"`
	IsTruncated          bool       `xml:"IsTruncated"`
	ChecksumAlgorithm    string     `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType         string     `xml:"ChecksumType,omitempty"`
	Parts                []PartInfo `xml:"Part"`
	Owner                Owner      `xml:"Owner"`
	Initiator            Owner      `xml:"Initiator"`
	StorageClass         string     `xml:"StorageClass"`
}

// PartInfo is one Part of ListParts.
type PartInfo struct {
	PartNumber        int             `xml:"PartNumber"`
	LastModified      awsproto.S3Time `xml:"LastModified"`
	ETag              string          `xml:"ETag"`
	Size              int64           `xml:"Size"`
	ChecksumCRC32     string          `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string          `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string          `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string          `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string          `xml:"ChecksumSHA256,omitempty"`
}

// listParts is ListParts, paged by part-number-marker and max-parts.
func (s *Service) listParts(ctx context.Context, r *Request) (*Response, error) {
	b, u, err := s.upload(ctx, r, "s3:ListMultipartUploadParts")
	if err != nil {
		return nil, err
	}
	maxParts, marker := 1000, 0
	if v := r.Query.Get("max-parts"); v != "" {
		if maxParts, err = strconv.Atoi(v); err != nil || maxParts < 0 {
			return nil, s3Err(awsproto.S3InvalidArgument, "Provided max-parts not an integer or within integer range").With("ArgumentName", "max-parts")
		}
		maxParts = min(maxParts, 1000)
	}
	if v := r.Query.Get("part-number-marker"); v != "" {
		if marker, err = strconv.Atoi(v); err != nil || marker < 0 {
			return nil, s3Err(awsproto.S3InvalidArgument, "Provided part-number-marker not an integer or within integer range").With("ArgumentName", "part-number-marker")
		}
	}
	ps, err := s.store.ListParts(ctx, u.UploadID, marker, maxParts+1)
	if err != nil {
		return nil, fmt.Errorf("list parts: %w", err)
	}
	alg, typ := uploadAlgorithm(u)
	out := &ListPartsResult{Bucket: u.Bucket, Key: u.Key, UploadID: u.UploadID, PartNumberMarker: marker, MaxParts: maxParts,
		Owner: Owner{ID: b.Account}, Initiator: Owner{ID: b.Account}, StorageClass: "STANDARD",
		ChecksumAlgorithm: string(alg), ChecksumType: string(typ)}
	if len(ps) > maxParts {
		ps, out.IsTruncated = ps[:maxParts], true
	}
	for _, p := range ps {
		pi := PartInfo{PartNumber: p.Number, LastModified: awsproto.S3Time(p.LastModified), ETag: p.ETag, Size: p.Size}
		switch alg {
		case checksum.CRC32:
			pi.ChecksumCRC32 = p.Checksum
		case checksum.CRC32C:
			pi.ChecksumCRC32C = p.Checksum
		case checksum.CRC64NVME:
			pi.ChecksumCRC64NVME = p.Checksum
		case checksum.SHA1:
			pi.ChecksumSHA1 = p.Checksum
		case checksum.SHA256:
			pi.ChecksumSHA256 = p.Checksum
		}
		out.Parts = append(out.Parts, pi)
		out.NextPartNumberMarker = p.Number
	}
	resp := newResponse(http.StatusOK)
	resp.XML = out
	return resp, nil
}
