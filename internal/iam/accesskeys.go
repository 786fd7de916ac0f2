package iam

import (
	"context"
	"strings"

	"github.com/coffer-kms/coffer/internal/arn"
	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/store"
)

// maxAccessKeys is AWS's quota of access keys per user.
const maxAccessKeys = 2

// keyOwner resolves the user an access key operation is about: the named
// user, else the caller itself (an IAM user, or the root user as ""). It
// returns the user's name ("" for root) and ARN.
func (s *Service) keyOwner(ctx context.Context, c Caller, name string) (string, string, error) {
	if name == "" {
		switch c.Type {
		case TypeAccount:
			return "", c.ARN, nil
		case TypeUser:
			name = c.UserName
		default:
			return "", "", errValidation("Must specify userName when calling with non-User credentials")
		}
	}
	if err := checkName(name, "userName", 128); err != nil {
		return "", "", err
	}
	u, err := getUser(ctx, s.store, c.Account, name)
	if err != nil {
		return "", "", mapStoreErr(err)
	}
	return u.Name, userARN(c.Account, u.Path, u.Name), nil
}

// AccessKeyShape is CreateAccessKey's AccessKey.
type AccessKeyShape struct {
	UserName        string
	AccessKeyId     string
	Status          string
	SecretAccessKey string
	CreateDate      QueryTime
}

// CreateAccessKeyInput is CreateAccessKey's input.
type CreateAccessKeyInput struct{ UserName string }

// CreateAccessKeyOutput is CreateAccessKey's result. It holds the secret,
// which is returned this once.
type CreateAccessKeyOutput struct{ AccessKey AccessKeyShape }

// CreateAccessKey creates a long-term access key (AKIA...) for a user, or
// for the root user when called by root without UserName.
func (s *Service) CreateAccessKey(ctx context.Context, c Caller, in *CreateAccessKeyInput) (*CreateAccessKeyOutput, error) {
	name, owner, err := s.keyOwner(ctx, c, in.UserName)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "iam:CreateAccessKey", owner); err != nil {
		return nil, err
	}
	id, secret, err := newKeyPair(s.rand, prefixAccessKey)
	if err != nil {
		return nil, errInternal(err)
	}
	wrapped, err := s.root.Wrap(ctx, []byte(secret), secretAAD(id))
	if err != nil {
		return nil, errInternal(err)
	}
	now := s.nowUTC()
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		k := store.AccessKey{AccessKeyID: id, Account: c.Account, WrappedSecret: wrapped, Status: "Active", CreatedAt: now, UserName: name}
		if name == "" {
			k.PrincipalARN, k.UserID = arn.AccountRoot(c.Account), c.Account
		} else {
			u, err := getUser(ctx, tx, c.Account, name)
			if err != nil {
				return err
			}
			k.PrincipalARN, k.UserID = userARN(c.Account, u.Path, u.Name), u.UserID
		}
		keys, err := tx.ListAccessKeys(ctx, c.Account, name)
		if err != nil {
			return err
		}
		if len(keys) >= maxAccessKeys {
			return iamErr("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: %d", maxAccessKeys)
		}
		if _, err := tx.GetAccessKey(ctx, id); err == nil {
			return errInternal(errCollision)
		}
		return tx.PutAccessKey(ctx, k)
	})
	if err != nil {
		return nil, err
	}
	return &CreateAccessKeyOutput{AccessKey: AccessKeyShape{UserName: name, AccessKeyId: id, Status: "Active", SecretAccessKey: secret, CreateDate: QueryTime(now)}}, nil
}

// AccessKeyMetadata is ListAccessKeys' member.
type AccessKeyMetadata struct {
	UserName    string `xml:",omitempty"`
	AccessKeyId string
	Status      string
	CreateDate  QueryTime
}

// ListAccessKeysInput is ListAccessKeys' input.
type ListAccessKeysInput struct {
	UserName string
	Marker   string
	MaxItems *int32
}

// ListAccessKeysOutput is ListAccessKeys' result.
type ListAccessKeysOutput struct {
	AccessKeyMetadata awsproto.List[AccessKeyMetadata]
	IsTruncated       bool
	Marker            string `xml:",omitempty"`
}

// ListAccessKeys lists a user's long-term access keys (never secrets).
func (s *Service) ListAccessKeys(ctx context.Context, c Caller, in *ListAccessKeysInput) (*ListAccessKeysOutput, error) {
	pg, err := checkPaging(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	name, owner, err := s.keyOwner(ctx, c, in.UserName)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "iam:ListAccessKeys", owner); err != nil {
		return nil, err
	}
	keys, err := s.store.ListAccessKeys(ctx, c.Account, name)
	if err != nil {
		return nil, mapStoreErr(err)
	}
	keys, trunc, marker := pageSlice(keys, pg, func(k store.AccessKey) string { return k.AccessKeyID })
	out := &ListAccessKeysOutput{AccessKeyMetadata: make(awsproto.List[AccessKeyMetadata], 0, len(keys)), IsTruncated: trunc, Marker: marker}
	for _, k := range keys {
		out.AccessKeyMetadata = append(out.AccessKeyMetadata, AccessKeyMetadata{UserName: k.UserName, AccessKeyId: k.AccessKeyID, Status: k.Status, CreateDate: QueryTime(k.CreatedAt)})
	}
	return out, nil
}

// checkAccessKeyID validates an access key id: 16..128 word characters.
func checkAccessKeyID(id string) error {
	if err := required(id, "accessKeyId"); err != nil {
		return err
	}
	ok := len(id) >= 16 && len(id) <= 128
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
	}
	if !ok {
		return constraintErr(id, "accessKeyId", `Member must satisfy regular expression pattern: [\w]+`)
	}
	return nil
}

// ownedKey reads a long-term key of user name ("" root) in tx, NoSuchEntity otherwise.
func ownedKey(ctx context.Context, rd store.Reader, account, name, id string) (store.AccessKey, error) {
	k, err := rd.GetAccessKey(ctx, id)
	if (err == nil && (k.Account != account || !strings.EqualFold(k.UserName, name) || !k.Expiration.IsZero() || k.RoleName != "")) || isNotFound(err) {
		return store.AccessKey{}, iamErr("NoSuchEntity", "The Access Key with id %s cannot be found.", id)
	}
	return k, err
}

// UpdateAccessKeyInput is UpdateAccessKey's input.
type UpdateAccessKeyInput struct {
	UserName    string
	AccessKeyId string
	Status      string
}

// UpdateAccessKey makes a key Active or Inactive; an Inactive key no
// longer authenticates (InvalidClientTokenId, UnrecognizedClientException).
func (s *Service) UpdateAccessKey(ctx context.Context, c Caller, in *UpdateAccessKeyInput) error {
	if err := checkAccessKeyID(in.AccessKeyId); err != nil {
		return err
	}
	if in.Status != "Active" && in.Status != "Inactive" {
		if in.Status == "" {
			return required("", "status")
		}
		return constraintErr(in.Status, "status", "Member must satisfy enum value set: [Active, Inactive]")
	}
	name, owner, err := s.keyOwner(ctx, c, in.UserName)
	if err != nil {
		return err
	}
	if err := s.authorize(ctx, c, "iam:UpdateAccessKey", owner); err != nil {
		return err
	}
	return s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		k, err := ownedKey(ctx, tx, c.Account, name, in.AccessKeyId)
		if err != nil {
			return err
		}
		k.Status = in.Status
		return tx.PutAccessKey(ctx, k)
	})
}

// DeleteAccessKeyInput is DeleteAccessKey's input.
type DeleteAccessKeyInput struct {
	UserName    string
	AccessKeyId string
}

// DeleteAccessKey deletes a long-term access key.
func (s *Service) DeleteAccessKey(ctx context.Context, c Caller, in *DeleteAccessKeyInput) error {
	if err := checkAccessKeyID(in.AccessKeyId); err != nil {
		return err
	}
	name, owner, err := s.keyOwner(ctx, c, in.UserName)
	if err != nil {
		return err
	}
	if err := s.authorize(ctx, c, "iam:DeleteAccessKey", owner); err != nil {
		return err
	}
	return s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		if _, err := ownedKey(ctx, tx, c.Account, name, in.AccessKeyId); err != nil {
			return err
		}
		return tx.DeleteAccessKey(ctx, in.AccessKeyId)
	})
}
