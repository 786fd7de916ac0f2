// Package iam owns Coffer's principals: accounts, their root users and
// access keys, IAM users, groups, roles, identity policies, and the IAM
// and STS operations over them (Service). It answers the authentication
// layer's question "whose access key is this?" through Credentials.
//
// Invariants: a secret access key, and a session token of temporary
// credentials, is stored only wrapped by the root of trust, bound to its
// access key id (with distinct associated data for each); it is returned
// once at creation, unwrapped in memory to verify signatures and never
// logged. Temporary credentials past their Expiration are refused.
package iam

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coffer-kms/coffer/internal/arn"
	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/keyring"
	"github.com/coffer-kms/coffer/internal/store"
)

// Principal is the identity an access key signs as.
type Principal struct {
	Account string
	// ARN is arn:aws:iam::ACCOUNT:root, arn:aws:iam::ACCOUNT:user/PATH/NAME
	// or arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION.
	ARN string
	// UserID is aws:userid: the account id (root), AIDA... (user) or
	// AROA...:SESSION (assumed role).
	UserID string
	// Type is aws:PrincipalType: TypeAccount, TypeUser or TypeAssumedRole.
	Type string
	// UserName is the IAM user's name (TypeUser only).
	UserName string
	// RoleName and SessionName name the role and session (TypeAssumedRole only).
	RoleName, SessionName string
	// RolePath is the path of the session's role ("/" when it has none;
	// TypeAssumedRole only).
	RolePath string
}

// The values of Principal.Type (the aws:PrincipalType condition key).
const (
	TypeAccount     = "Account" // the account's root user
	TypeUser        = "User"
	TypeAssumedRole = "AssumedRole"
)

// IsRoot reports whether p is its account's root user.
func (p Principal) IsRoot() bool { return p.Type == TypeAccount }

// RoleARN is the ARN of the role an assumed-role principal acts as, path
// included (arn:aws:iam::ACCOUNT:role/PATH/NAME), "" otherwise: what a
// policy naming the role, and aws:PrincipalArn, match.
func (p Principal) RoleARN() string {
	if p.Type != TypeAssumedRole {
		return ""
	}
	path := p.RolePath
	if path == "" {
		path = "/"
	}
	return roleARN(p.Account, path, p.RoleName)
}

// secretAAD binds a wrapped secret access key to its id.
func secretAAD(accessKeyID string) []byte {
	return []byte("coffer/iam/access-key-secret/v1\x00" + accessKeyID)
}

// sessionTokenAAD binds a wrapped session token to its access key id.
func sessionTokenAAD(accessKeyID string) []byte {
	return []byte("coffer/iam/session-token/v1\x00" + accessKeyID)
}

// ErrUnknownAccessKey is returned for access keys that do not exist or are
// inactive.
var ErrUnknownAccessKey = errors.New("iam: unknown access key")

// ErrExpiredToken is returned for temporary credentials past their
// Expiration. It is an *awsproto.Error (ExpiredTokenException, 400, as the
// JSON protocols name it) so that a protocol layer that does not know it
// still answers correctly; the Query layer answers ExpiredToken (403).
var ErrExpiredToken = &awsproto.Error{Code: "ExpiredTokenException", Status: http.StatusBadRequest,
	Message: "The security token included in the request is expired"}

// Credential is an active access key with its secret, unwrapped.
type Credential struct {
	AccessKeyID string
	Secret      []byte
	// SessionToken is the token temporary credentials must be presented
	// with (X-Amz-Security-Token); "" for long-term keys.
	SessionToken string
	// Expiration is when temporary credentials expire; zero for long-term keys.
	Expiration time.Time
	Principal  Principal
}

// Credentials looks up access keys in the store for SigV4 verification,
// caching unwrapped secrets until the store reports a change.
type Credentials struct {
	store store.Store
	root  keyring.RootOfTrust
	now   func() time.Time

	mu    sync.RWMutex
	gen   uint64
	cache map[string]Credential
	stop  func()
}

// NewCredentials returns a Credentials reading st and unwrapping with root,
// checking expirations against the system clock. Call Close to stop
// watching the store.
func NewCredentials(st store.Store, root keyring.RootOfTrust) *Credentials {
	return newCredentials(st, root, time.Now)
}

func newCredentials(st store.Store, root keyring.RootOfTrust, now func() time.Time) *Credentials {
	c := &Credentials{store: st, root: root, now: now, cache: make(map[string]Credential)}
	c.stop = st.Watch(func(ch store.Change) {
		if ch.Kind != store.ChangeAccessKey && ch.Kind != store.ChangeAll {
			return
		}
		c.mu.Lock()
		c.gen++
		// Secrets are dropped, not zeroed: a concurrent Verify may still be
		// deriving a signing key from one.
		if ch.Kind == store.ChangeAll {
			clear(c.cache)
		} else {
			delete(c.cache, ch.ID)
		}
		c.mu.Unlock()
	})
	return c
}

// Close stops watching the store.
func (c *Credentials) Close() { c.stop() }

// Credential returns an access key's credential. Inactive and unknown keys
// are both ErrUnknownAccessKey; temporary keys past their Expiration are
// ErrExpiredToken.
func (c *Credentials) Credential(ctx context.Context, accessKeyID string) (Credential, error) {
	c.mu.RLock()
	cred, ok := c.cache[accessKeyID]
	gen := c.gen
	c.mu.RUnlock()
	if ok {
		return c.checkExpiry(cred)
	}
	k, err := c.store.GetAccessKey(ctx, accessKeyID)
	if errors.Is(err, store.ErrNotFound) {
		return Credential{}, fmt.Errorf("iam: access key %s: %w", accessKeyID, ErrUnknownAccessKey)
	}
	if err != nil {
		return Credential{}, fmt.Errorf("iam: access key lookup: %w", err)
	}
	if k.Status != "Active" {
		return Credential{}, fmt.Errorf("iam: access key %s is %s: %w", accessKeyID, k.Status, ErrUnknownAccessKey)
	}
	if !k.Expiration.IsZero() && !c.now().Before(k.Expiration) {
		return Credential{}, fmt.Errorf("iam: access key %s: %w", accessKeyID, ErrExpiredToken)
	}
	secret, err := c.root.Unwrap(ctx, k.WrappedSecret, secretAAD(accessKeyID))
	if err != nil {
		return Credential{}, fmt.Errorf("iam: unwrap secret of %s: %w", accessKeyID, err)
	}
	var token []byte
	if len(k.WrappedSessionToken) > 0 {
		if token, err = c.root.Unwrap(ctx, k.WrappedSessionToken, sessionTokenAAD(accessKeyID)); err != nil {
			return Credential{}, fmt.Errorf("iam: unwrap session token of %s: %w", accessKeyID, err)
		}
	}
	p := principalOf(k)
	if p.UserName != "" && !k.Expiration.IsZero() {
		// A GetSessionToken session ends with its user.
		if _, err := c.store.GetUser(ctx, k.Account, p.UserName); errors.Is(err, store.ErrNotFound) {
			return Credential{}, fmt.Errorf("iam: access key %s: user %s was deleted: %w", accessKeyID, p.UserName, ErrUnknownAccessKey)
		} else if err != nil {
			return Credential{}, fmt.Errorf("iam: user of access key %s: %w", accessKeyID, err)
		}
	}
	if p.RoleName != "" {
		// A role's path is fixed at creation; a deleted role keeps the
		// path-less ARN (its sessions then match no policy of a new role
		// with another path).
		path := "/"
		if role, err := c.store.GetRole(ctx, k.Account, k.RoleName); err == nil {
			path = role.Path
		} else if !errors.Is(err, store.ErrNotFound) {
			return Credential{}, fmt.Errorf("iam: role of access key %s: %w", accessKeyID, err)
		}
		p.RolePath = path
	}
	cred = Credential{AccessKeyID: accessKeyID, Secret: secret, SessionToken: string(token), Expiration: k.Expiration,
		Principal: p}
	c.mu.Lock()
	if c.gen == gen {
		c.cache[accessKeyID] = cred
	}
	c.mu.Unlock()
	return cred, nil
}

func (c *Credentials) checkExpiry(cred Credential) (Credential, error) {
	if !cred.Expiration.IsZero() && !c.now().Before(cred.Expiration) {
		return Credential{}, fmt.Errorf("iam: access key %s: %w", cred.AccessKeyID, ErrExpiredToken)
	}
	return cred, nil
}

// principalOf returns the identity an access key signs as.
func principalOf(k store.AccessKey) Principal {
	p := Principal{Account: k.Account, ARN: k.PrincipalARN, UserID: k.UserID}
	switch {
	case k.RoleName != "":
		p.Type, p.RoleName = TypeAssumedRole, k.RoleName
		if i := strings.LastIndexByte(k.PrincipalARN, '/'); i >= 0 {
			p.SessionName = k.PrincipalARN[i+1:]
		}
	case k.UserName != "":
		p.Type, p.UserName = TypeUser, k.UserName
	default:
		p.Type = TypeAccount
	}
	return p
}

// RootAccessKey is an account root user's access key pair, returned once
// at creation.
type RootAccessKey struct {
	AccessKeyID     string
	SecretAccessKey string
}

// EnsureAccount creates account id (if missing) with a root access key. If
// key is nil a new random key pair is generated; otherwise the given pair
// is installed (the dev bootstrap's well-known example key). It returns the
// key pair it installed, or ok=false if the account already existed.
func EnsureAccount(ctx context.Context, st store.Store, root keyring.RootOfTrust, id string, key *RootAccessKey, now time.Time) (RootAccessKey, bool, error) {
	if !arn.ValidAccountID(id) {
		return RootAccessKey{}, false, fmt.Errorf("iam: account id %q is not 12 digits", id)
	}
	if id == arn.ServiceAccount {
		return RootAccessKey{}, false, fmt.Errorf("iam: account id %s is reserved for keys that services own", id)
	}
	if _, err := st.GetAccount(ctx, id); err == nil {
		return RootAccessKey{}, false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return RootAccessKey{}, false, fmt.Errorf("iam: account %s: %w", id, err)
	}
	var pair RootAccessKey
	if key != nil {
		pair = *key
	} else {
		var err error
		if pair, err = newAccessKey(rand.Reader); err != nil {
			return RootAccessKey{}, false, err
		}
	}
	wrapped, err := root.Wrap(ctx, []byte(pair.SecretAccessKey), secretAAD(pair.AccessKeyID))
	if err != nil {
		return RootAccessKey{}, false, fmt.Errorf("iam: wrap secret: %w", err)
	}
	err = st.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateAccount(ctx, store.Account{ID: id, CreatedAt: now.UTC()}); err != nil {
			return err
		}
		return tx.PutAccessKey(ctx, store.AccessKey{AccessKeyID: pair.AccessKeyID, Account: id,
			PrincipalARN: arn.AccountRoot(id), UserID: id, WrappedSecret: wrapped, Status: "Active", CreatedAt: now.UTC()})
	})
	if err != nil {
		return RootAccessKey{}, false, fmt.Errorf("iam: create account %s: %w", id, err)
	}
	return pair, true, nil
}

// newAccessKey generates an AKIA... id (20 characters, base32 alphabet as
// AWS uses) and a 40-character secret.
func newAccessKey(r io.Reader) (RootAccessKey, error) {
	const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, 16+40)
	if _, err := io.ReadFull(r, b); err != nil {
		return RootAccessKey{}, fmt.Errorf("iam: access key: %w", err)
	}
	id := []byte("AKIA")
	for _, c := range b[:16] {
		id = append(id, idAlphabet[c%32])
	}
	secret := make([]byte, 40)
	for i, c := range b[16:] {
		secret[i] = secretAlphabet[c%64]
	}
	clear(b)
	return RootAccessKey{AccessKeyID: string(id), SecretAccessKey: string(secret)}, nil
}
