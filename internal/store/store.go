// Package store owns Coffer's metadata persistence: accounts, access keys,
// KMS keys, their wrapped key material, aliases and tags, IAM identities
// and grants (iam.go), and S3 buckets, objects and uploads (s3.go).
//
// The Store interface is implemented by the sqlite (embedded default) and
// postgres (scale-out) subpackages; storetest holds the one conformance suite
// both must pass.
//
// Invariants:
//   - Nothing secret is stored in the clear: key material and secret access
//     keys arrive here already wrapped by the root of trust and are stored as
//     opaque bytes.
//   - Every write happens inside Update, atomically: either all of a
//     transaction's writes are visible or none is.
//   - After a transaction commits, every Watch callback, on this node and on
//     every other node sharing the database, is told which objects changed,
//     so that caches can be invalidated.
package store

import (
	"context"
	"errors"
	"time"
)

// Errors returned by Store implementations. They are wrapped with context;
// test them with errors.Is.
var (
	// ErrNotFound means the requested object does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrExists means an insert collided with an existing object
	// (same primary key or unique name).
	ErrExists = errors.New("store: already exists")
	// ErrConflict means the transaction could not be serialized against a
	// concurrent one and retries were exhausted.
	ErrConflict = errors.New("store: conflict")
)

// KeyRef names one KMS key: keys live in an account and a region, and the same
// KeyID is unknown in any other (account, region).
type KeyRef struct {
	Account string
	Region  string
	KeyID   string
}

// Account is a tenant: an AWS-style 12-digit account.
type Account struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// AccessKey is an access key id with its secret, the secret wrapped by the
// root of trust. PrincipalARN is the identity it signs as.
type AccessKey struct {
	AccessKeyID   string
	Account       string
	PrincipalARN  string // e.g. arn:aws:iam::111122223333:root
	UserID        string // aws:userid, e.g. the account id for root
	WrappedSecret []byte
	Status        string // Active or Inactive
	CreatedAt     time.Time
	// UserName is the IAM user the key belongs to; "" for the root user
	// and for temporary credentials.
	UserName string
	// For temporary credentials (STS): the role assumed, the session
	// token wrapped by the root of trust, and when the key expires.
	// Expiration is zero for long-term keys.
	RoleName            string
	WrappedSessionToken []byte
	Expiration          time.Time
}

// Key is the metadata of one KMS key. It carries every attribute that the
// KMS API reports so that new key kinds add values, not columns.
type Key struct {
	Ref          KeyRef
	CreationDate time.Time
	Description  string
	KeySpec      string // SYMMETRIC_DEFAULT, RSA_2048, HMAC_256, ...
	KeyUsage     string // ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC, KEY_AGREEMENT
	Origin       string // AWS_KMS, EXTERNAL, ...
	KeyManager   string // CUSTOMER or AWS
	MultiRegion  bool
	// State is the KeyState: Enabled, Disabled, PendingDeletion, PendingImport, ...
	State string
	// DeletionDate is set while State is PendingDeletion: the moment the key
	// is destroyed. Zero otherwise.
	DeletionDate time.Time
	// PendingWindowDays is the deletion window the key was scheduled with.
	PendingWindowDays int
	// Policy is the key policy document (policy name "default").
	Policy string
	// RotationEnabled reports whether automatic rotation is on.
	RotationEnabled bool
	// RotationPeriodDays is the automatic rotation period (90..2560) when enabled.
	RotationPeriodDays int
	// NextRotation is when automatic rotation is next due; zero when disabled.
	NextRotation time.Time
	// CurrentVersion is the material version used for new ciphertexts.
	CurrentVersion uint32
	// OnDemandRotations counts RotateKeyOnDemand calls (AWS allows 25 per key).
	OnDemandRotations int
	// MaterialExpires is when imported key material expires
	// (ImportKeyMaterial with KEY_MATERIAL_EXPIRES); zero when it does not.
	MaterialExpires time.Time
	// Attrs holds extra attributes as a JSON document, for later key kinds
	// (multi-region configuration, import state, ...). Empty means none.
	Attrs string
}

// Material is one version of a key's material, wrapped by the root of trust
// with the key's ARN and version bound as associated data.
type Material struct {
	Ref     KeyRef
	Version uint32
	// MaterialID is the public KeyMaterialId (64 hex characters).
	MaterialID string
	Wrapped    []byte
	CreatedAt  time.Time
	// RotationType is "" for the first version, else AUTOMATIC or ON_DEMAND.
	RotationType string
}

// Alias is a friendly name for a key, unique per account and region.
type Alias struct {
	Account     string
	Region      string
	Name        string // includes the "alias/" prefix
	TargetKeyID string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Tag is a key's tag.
type Tag struct {
	Key   string
	Value string
}

// ChangeKind says what kind of object a Change is about.
type ChangeKind string

// The kinds of Change.
const (
	ChangeKey       ChangeKind = "key"       // ID is the key id; includes its material and tags
	ChangeAlias     ChangeKind = "alias"     // ID is the alias name
	ChangeAccessKey ChangeKind = "accesskey" // ID is the access key id; Account and Region empty
	// ChangeAll means changes may have been missed (a listener reconnected):
	// every cached object must be considered stale.
	ChangeAll ChangeKind = "all"
)

// Change names one object that a committed transaction wrote or deleted.
type Change struct {
	Kind    ChangeKind
	Account string
	Region  string
	ID      string
}

// Page bounds a listing: at most Limit items whose sort key is greater than
// After ("" means from the start). Limit <= 0 means no limit.
type Page struct {
	After string
	Limit int
}

// Reader is the read side of the store, available both on Store (each call
// its own snapshot) and inside a transaction.
type Reader interface {
	// GetAccount returns the account, or ErrNotFound.
	GetAccount(ctx context.Context, id string) (Account, error)
	// ListAccounts returns all accounts sorted by id.
	ListAccounts(ctx context.Context) ([]Account, error)
	// GetAccessKey returns the access key, or ErrNotFound.
	GetAccessKey(ctx context.Context, accessKeyID string) (AccessKey, error)

	// GetKey returns the key, or ErrNotFound.
	GetKey(ctx context.Context, ref KeyRef) (Key, error)
	// ListKeys returns the keys of an account and region sorted by KeyID,
	// KeyID > page.After, at most page.Limit.
	ListKeys(ctx context.Context, account, region string, page Page) ([]Key, error)
	// ListKeysDue returns keys of any account and region that are
	// PendingDeletion with DeletionDate <= now, have RotationEnabled with
	// NextRotation <= now, or have a non-zero MaterialExpires <= now, at
	// most limit of them.
	ListKeysDue(ctx context.Context, now time.Time, limit int) ([]Key, error)

	// GetMaterial returns one version of a key's material, or ErrNotFound.
	GetMaterial(ctx context.Context, ref KeyRef, version uint32) (Material, error)
	// ListMaterials returns all versions of a key's material, oldest first.
	ListMaterials(ctx context.Context, ref KeyRef) ([]Material, error)

	// GetAlias returns the alias, or ErrNotFound.
	GetAlias(ctx context.Context, account, region, name string) (Alias, error)
	// ListAliases returns the aliases of an account and region sorted by
	// Name, Name > page.After; if keyID is not empty only those targeting it.
	ListAliases(ctx context.Context, account, region, keyID string, page Page) ([]Alias, error)

	// ListTags returns a key's tags sorted by Key.
	ListTags(ctx context.Context, ref KeyRef) ([]Tag, error)

	// GetSetting returns a deployment-wide setting, or ErrNotFound.
	GetSetting(ctx context.Context, name string) ([]byte, error)

	// IAMReader reads users, groups, roles, policies and grants (iam.go).
	IAMReader
	// S3Reader reads buckets, objects, uploads and parts (s3.go).
	S3Reader
	// KeyUsageReader reads the last use of KMS keys (usage.go).
	KeyUsageReader
}

// Tx is a transaction: reads see its own writes; nothing is visible to
// others until Update returns nil.
type Tx interface {
	Reader

	// CreateAccount inserts an account; ErrExists if the id is taken.
	CreateAccount(ctx context.Context, a Account) error
	// PutAccessKey inserts or replaces an access key.
	PutAccessKey(ctx context.Context, k AccessKey) error
	// DeleteAccessKey removes an access key; ErrNotFound if absent.
	DeleteAccessKey(ctx context.Context, accessKeyID string) error

	// CreateKey inserts a key; ErrExists if the ref is taken.
	CreateKey(ctx context.Context, k Key) error
	// UpdateKey replaces an existing key's metadata; ErrNotFound if absent.
	UpdateKey(ctx context.Context, k Key) error
	// DeleteKey removes a key with its material, tags and aliases;
	// ErrNotFound if absent.
	DeleteKey(ctx context.Context, ref KeyRef) error

	// AddMaterial inserts a material version; ErrExists if that version
	// exists, ErrNotFound if the key does not.
	AddMaterial(ctx context.Context, m Material) error

	// DeleteMaterials removes every material version of a key (imported
	// material that expired or was deleted); the key stays. ErrNotFound if
	// the key is absent.
	DeleteMaterials(ctx context.Context, ref KeyRef) error
	// DeleteMaterial removes one material version of a key; ErrNotFound
	// if the key or that version is absent.
	DeleteMaterial(ctx context.Context, ref KeyRef, version uint32) error

	// CreateAlias inserts an alias; ErrExists if the name is taken in its
	// account and region, ErrNotFound if the target key does not exist.
	CreateAlias(ctx context.Context, a Alias) error
	// UpdateAlias replaces an existing alias; ErrNotFound if it or the
	// target key is absent.
	UpdateAlias(ctx context.Context, a Alias) error
	// DeleteAlias removes an alias; ErrNotFound if absent.
	DeleteAlias(ctx context.Context, account, region, name string) error

	// PutTags inserts or replaces the given tags of a key; ErrNotFound if
	// the key is absent.
	PutTags(ctx context.Context, ref KeyRef, tags []Tag) error
	// DeleteTags removes the named tags of a key; absent names are ignored.
	DeleteTags(ctx context.Context, ref KeyRef, keys []string) error

	// PutSetting inserts or replaces a deployment-wide setting.
	PutSetting(ctx context.Context, name string, value []byte) error

	// IAMTx writes users, groups, roles, policies and grants (iam.go).
	IAMTx
	// S3Tx writes buckets, objects, uploads and parts (s3.go).
	S3Tx
	// KeyUsageTx records the last use of KMS keys (usage.go).
	KeyUsageTx
}

// Store is the metadata store.
type Store interface {
	Reader

	// Update runs fn in a transaction and commits if fn returns nil. fn may
	// be called more than once (on serialization conflicts), so it must have
	// no effects outside tx. After a commit, Watch callbacks are told of
	// every object written.
	Update(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error

	// Watch registers fn to be called, from any goroutine, after each
	// committed change on this node or any other node sharing the database.
	// It returns a function that unregisters fn.
	Watch(fn func(Change)) (cancel func())

	// Close releases the store's resources.
	Close() error
}

// Purger is implemented by stores that can make deleted data unrecoverable
// from their own files (SQLite: deleted content is zeroed by secure_delete,
// and Purge checkpoints and truncates the write-ahead log that still holds
// older page images). The KMS calls it after destroying keys.
type Purger interface {
	Purge(ctx context.Context) error
}
