package store

import (
	"context"
	"time"
)

// The S3 side of the store: buckets, objects, multipart uploads and their
// parts. Object bytes live in the blob store (internal/blob); the store
// keeps what describes them, including how they are encrypted. Bucket names
// are global across accounts and regions, as in Amazon S3.

// Bucket is an S3 bucket.
type Bucket struct {
	Name      string
	Account   string
	Region    string
	CreatedAt time.Time
	// Encryption is the default encryption configuration as a JSON
	// document ("" means the S3 default, SSE-S3).
	Encryption string
	// Policy is the bucket policy document, "" for none.
	Policy string
}

// ObjectEncryption says how an object's key is sealed.
type ObjectEncryption struct {
	// Mode is "AES256" (SSE-S3), "aws:kms", "aws:kms:dsse" or "SSE-C".
	Mode string
	// KMSKeyARN is the KMS key of SSE-KMS objects.
	KMSKeyARN string
	// KMSContext is the encryption context JSON of SSE-KMS objects
	// (always including aws:s3:arn).
	KMSContext string
	// EncryptedDataKey is the KMS CiphertextBlob of the data key (SSE-KMS).
	EncryptedDataKey []byte
	// BucketKey reports an S3 Bucket Key in use.
	BucketKey bool
	// SealedKey is the object key sealed under the mode's key-encryption key.
	SealedKey []byte
	// CustomerKeyCheck is the salted check of an SSE-C key (never the key).
	CustomerKeyCheck []byte
	// CustomerKeyMD5 is the base64 MD5 S3 echoes for SSE-C objects.
	CustomerKeyMD5 string
}

// Object is the current version of an S3 object.
type Object struct {
	Bucket string
	Key    string
	// BlobID names the encrypted bytes in the blob store; "" for a
	// multipart object stored by reference to its parts' blobs (PartBlobs).
	BlobID       string
	Size         int64  // plaintext size
	ETag         string // with quotes, as S3 returns it
	LastModified time.Time
	ContentType  string
	// Metadata holds x-amz-meta-* and the stored system headers
	// (Content-Encoding, Cache-Control, ...) as a JSON object.
	Metadata string
	// Checksum is "ALGORITHM:base64[:TYPE]" or "".
	Checksum string
	// Parts lists the encrypted sizes of a multipart object's parts as a
	// JSON array; "" for a single-part object.
	Parts string
	// PartBlobs are the blobs of a multipart object stored by reference,
	// one per part in object order (BlobID is then ""); nil otherwise.
	// GetObject fills it; the listings leave it nil.
	PartBlobs  []string
	Encryption ObjectEncryption
}

// Upload is a multipart upload in progress.
type Upload struct {
	Bucket      string
	Key         string
	UploadID    string
	Initiated   time.Time
	ContentType string
	Metadata    string
	// ChecksumAlgorithm is the upload's x-amz-checksum-algorithm, "" for none.
	ChecksumAlgorithm string
	Encryption        ObjectEncryption
}

// Part is one uploaded part of a multipart upload.
type Part struct {
	UploadID      string
	Number        int // 1..10000
	BlobID        string
	Size          int64 // plaintext size
	EncryptedSize int64
	ETag          string
	Checksum      string
	LastModified  time.Time
}

// ChangeBucket: a bucket's configuration changed, or the bucket was
// created or deleted (ID is the bucket name; Account and Region empty).
// Object and upload writes report no change.
const ChangeBucket ChangeKind = "bucket"

// S3Reader is the read side of the S3 tables. Listings sort by name (keys
// by byte order, as S3 does) and page with Page on that sort key.
type S3Reader interface {
	// GetBucket returns a bucket, or ErrNotFound.
	GetBucket(ctx context.Context, name string) (Bucket, error)
	// ListBuckets lists an account's buckets.
	ListBuckets(ctx context.Context, account string) ([]Bucket, error)
	// CountObjects reports whether a bucket holds objects or uploads (at
	// most limit are counted).
	CountObjects(ctx context.Context, bucket string, limit int) (int, error)

	// GetObject returns an object, or ErrNotFound.
	GetObject(ctx context.Context, bucket, key string) (Object, error)
	// ListObjects lists a bucket's objects whose key starts with prefix and
	// sorts after page.After.
	ListObjects(ctx context.Context, bucket, prefix string, page Page) ([]Object, error)

	// GetUpload returns a multipart upload, or ErrNotFound (also if it is
	// in another bucket).
	GetUpload(ctx context.Context, bucket, uploadID string) (Upload, error)
	// ListUploads lists a bucket's uploads whose key starts with prefix,
	// sorted by key then initiation time (then UploadID); page.After is a
	// key: the uploads listed have keys sorting after it.
	ListUploads(ctx context.Context, bucket, prefix string, page Page) ([]Upload, error)
	// ListParts lists an upload's parts with Number > afterPart.
	ListParts(ctx context.Context, uploadID string, afterPart, limit int) ([]Part, error)

	// BlobsInUse returns those of ids that an object, an object's part
	// (PartBlobs) or an upload's part refers to, in no particular order.
	// The orphan blob collector keeps these.
	BlobsInUse(ctx context.Context, ids []string) ([]string, error)
}

// S3Tx is the write side of the S3 tables.
type S3Tx interface {
	// CreateBucket inserts a bucket; ErrExists if the name is taken by anyone.
	CreateBucket(ctx context.Context, b Bucket) error
	// UpdateBucket replaces a bucket's encryption and policy; ErrNotFound.
	UpdateBucket(ctx context.Context, b Bucket) error
	// DeleteBucket removes a bucket; ErrNotFound. The caller checks emptiness.
	DeleteBucket(ctx context.Context, name string) error

	// PutObject inserts or replaces an object (with its PartBlobs),
	// returning the replaced object's blobs (its BlobID or PartBlobs,
	// none if there was no object) so the caller can delete its bytes;
	// ErrNotFound if the bucket does not exist.
	PutObject(ctx context.Context, o Object) (replacedBlobs []string, err error)
	// DeleteObject removes an object, returning its blobs (BlobID or
	// PartBlobs); ErrNotFound.
	DeleteObject(ctx context.Context, bucket, key string) (blobIDs []string, err error)

	// CreateUpload inserts an upload; ErrExists if its id is taken (in
	// any bucket), ErrNotFound if the bucket does not exist.
	CreateUpload(ctx context.Context, u Upload) error
	// PutPart inserts or replaces a part, returning the replaced part's
	// BlobID ("" if none); ErrNotFound if the upload is absent.
	PutPart(ctx context.Context, p Part) (replacedBlob string, err error)
	// DeleteUpload removes an upload and its parts, returning the parts'
	// BlobIDs (sorted); ErrNotFound, also if the upload is in another
	// bucket.
	DeleteUpload(ctx context.Context, bucket, uploadID string) (blobIDs []string, err error)
}
