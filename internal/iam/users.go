package iam

import (
	"context"
	"errors"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/store"
)

// CreateUserInput is CreateUser's input.
type CreateUserInput struct {
	UserName            string
	Path                string
	PermissionsBoundary string
	Tags                []Tag
}

// CreateUserOutput is CreateUser's result.
type CreateUserOutput struct{ User UserShape }

// CreateUser creates an IAM user.
func (s *Service) CreateUser(ctx context.Context, c Caller, in *CreateUserInput) (*CreateUserOutput, error) {
	if err := checkName(in.UserName, "userName", 64); err != nil {
		return nil, err
	}
	if err := checkPath(&in.Path); err != nil {
		return nil, err
	}
	if in.PermissionsBoundary != "" {
		return nil, iamErr("InvalidInput", "Permissions boundaries are not supported by this server.")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "iam:CreateUser", userARN(c.Account, in.Path, in.UserName)); err != nil {
		return nil, err
	}
	id, err := newID(s.rand, prefixUser)
	if err != nil {
		return nil, errInternal(err)
	}
	u := store.User{Account: c.Account, Name: in.UserName, UserID: id, Path: in.Path, CreatedAt: s.nowUTC()}
	u.Tags, _ = mergeTags(nil, in.Tags)
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateUser(ctx, u); errors.Is(err, store.ErrExists) {
			return iamErr("EntityAlreadyExists", "User with name %s already exists.", in.UserName)
		} else if err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateUserOutput{User: userShape(u, true)}, nil
}

// GetUserInput is GetUser's input.
type GetUserInput struct{ UserName string }

// GetUserOutput is GetUser's result.
type GetUserOutput struct{ User UserShape }

// GetUser returns a user; without UserName, the caller (an IAM user, or
// the root user).
func (s *Service) GetUser(ctx context.Context, c Caller, in *GetUserInput) (*GetUserOutput, error) {
	name := in.UserName
	if name == "" {
		switch c.Type {
		case TypeAccount:
			acct, err := s.store.GetAccount(ctx, c.Account)
			if err != nil {
				return nil, mapStoreErr(err)
			}
			return &GetUserOutput{User: UserShape{UserId: c.Account, Arn: c.ARN, CreateDate: QueryTime(acct.CreatedAt)}}, nil
		case TypeUser:
			name = c.UserName
		default:
			return nil, errValidation("Must specify userName when calling with non-User credentials")
		}
	}
	if err := checkName(name, "userName", 128); err != nil {
		return nil, err
	}
	u, err := getUser(ctx, s.store, c.Account, name)
	if err != nil {
		return nil, mapStoreErr(err)
	}
	if err := s.authorize(ctx, c, "iam:GetUser", userARN(c.Account, u.Path, u.Name)); err != nil {
		return nil, err
	}
	return &GetUserOutput{User: userShape(u, true)}, nil
}

// ListUsersInput is ListUsers' input.
type ListUsersInput struct {
	PathPrefix string
	Marker     string
	MaxItems   *int32
}

// ListUsersOutput is ListUsers' result.
type ListUsersOutput struct {
	Users       awsproto.List[UserShape]
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

// ListUsers lists the account's users whose path starts with PathPrefix.
func (s *Service) ListUsers(ctx context.Context, c Caller, in *ListUsersInput) (*ListUsersOutput, error) {
	if err := checkPathPrefix(&in.PathPrefix); err != nil {
		return nil, err
	}
	pg, err := checkPaging(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "iam:ListUsers", userARN(c.Account, "/", "*")); err != nil {
		return nil, err
	}
	users, err := s.store.ListUsers(ctx, c.Account, in.PathPrefix, pg.storePage())
	if err != nil {
		return nil, mapStoreErr(err)
	}
	users, trunc, marker := truncate(users, pg, func(u store.User) string { return u.Name })
	out := &ListUsersOutput{Users: make(awsproto.List[UserShape], 0, len(users)), IsTruncated: trunc, Marker: marker}
	for _, u := range users {
		out.Users = append(out.Users, userShape(u, false))
	}
	return out, nil
}

// DeleteUserInput is DeleteUser's input.
type DeleteUserInput struct{ UserName string }

// DeleteUser deletes a user that has no access keys, policies, attached
// policies or group memberships left (DeleteConflict otherwise, as AWS).
func (s *Service) DeleteUser(ctx context.Context, c Caller, in *DeleteUserInput) error {
	if err := checkName(in.UserName, "userName", 128); err != nil {
		return err
	}
	u, err := getUser(ctx, s.store, c.Account, in.UserName)
	if err != nil {
		return mapStoreErr(err)
	}
	if err := s.authorize(ctx, c, "iam:DeleteUser", userARN(c.Account, u.Path, u.Name)); err != nil {
		return err
	}
	return s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		u, err := getUser(ctx, tx, c.Account, in.UserName)
		if err != nil {
			return err
		}
		if keys, err := tx.ListAccessKeys(ctx, c.Account, u.Name); err != nil {
			return err
		} else if len(keys) > 0 {
			return iamErr("DeleteConflict", "Cannot delete entity, must delete access keys first.")
		}
		if ps, err := tx.ListInlinePolicies(ctx, c.Account, store.KindUser, u.Name); err != nil {
			return err
		} else if len(ps) > 0 {
			return iamErr("DeleteConflict", "Cannot delete entity, must delete policies first.")
		}
		if as, err := tx.ListAttachedPolicies(ctx, c.Account, store.KindUser, u.Name); err != nil {
			return err
		} else if len(as) > 0 {
			return iamErr("DeleteConflict", "Cannot delete entity, must detach all policies first.")
		}
		if gs, err := tx.ListGroupsForUser(ctx, c.Account, u.Name); err != nil {
			return err
		} else if len(gs) > 0 {
			return iamErr("DeleteConflict", "Cannot delete entity, must remove users from group first.")
		}
		if err := tx.DeleteUser(ctx, c.Account, u.Name); isNotFound(err) {
			return errNoSuchEntity("user", in.UserName)
		} else if err != nil {
			return err
		}
		return nil
	})
}

// TagUserInput is TagUser's input.
type TagUserInput struct {
	UserName string
	Tags     []Tag
}

// TagUser adds or replaces tags of a user.
func (s *Service) TagUser(ctx context.Context, c Caller, in *TagUserInput) error {
	if err := checkName(in.UserName, "userName", 128); err != nil {
		return err
	}
	if in.Tags == nil {
		return required("", "tags")
	}
	if err := checkTags(in.Tags); err != nil {
		return err
	}
	u, err := getUser(ctx, s.store, c.Account, in.UserName)
	if err != nil {
		return mapStoreErr(err)
	}
	if err := s.authorize(ctx, c, "iam:TagUser", userARN(c.Account, u.Path, u.Name)); err != nil {
		return err
	}
	return s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		u, err := getUser(ctx, tx, c.Account, in.UserName)
		if err != nil {
			return err
		}
		if u.Tags, err = mergeTags(u.Tags, in.Tags); err != nil {
			return err
		}
		return tx.UpdateUser(ctx, u)
	})
}
