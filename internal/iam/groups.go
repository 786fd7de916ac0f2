package iam

import (
	"context"
	"errors"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/store"
)

// CreateGroupInput is CreateGroup's input.
type CreateGroupInput struct {
	GroupName string
	Path      string
}

// CreateGroupOutput is CreateGroup's result.
type CreateGroupOutput struct{ Group GroupShape }

// CreateGroup creates a group.
func (s *Service) CreateGroup(ctx context.Context, c Caller, in *CreateGroupInput) (*CreateGroupOutput, error) {
	if err := checkName(in.GroupName, "groupName", 128); err != nil {
		return nil, err
	}
	if err := checkPath(&in.Path); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "iam:CreateGroup", groupARN(c.Account, in.Path, in.GroupName)); err != nil {
		return nil, err
	}
	id, err := newID(s.rand, prefixGroup)
	if err != nil {
		return nil, errInternal(err)
	}
	g := store.Group{Account: c.Account, Name: in.GroupName, GroupID: id, Path: in.Path, CreatedAt: s.nowUTC()}
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateGroup(ctx, g); errors.Is(err, store.ErrExists) {
			return iamErr("EntityAlreadyExists", "Group with name %s already exists.", in.GroupName)
		} else if err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateGroupOutput{Group: groupShape(g)}, nil
}

// GetGroupInput is GetGroup's input.
type GetGroupInput struct {
	GroupName string
	Marker    string
	MaxItems  *int32
}

// GetGroupOutput is GetGroup's result.
type GetGroupOutput struct {
	Group       GroupShape
	Users       awsproto.List[UserShape]
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

// GetGroup returns a group and (a page of) its members.
func (s *Service) GetGroup(ctx context.Context, c Caller, in *GetGroupInput) (*GetGroupOutput, error) {
	if err := checkName(in.GroupName, "groupName", 128); err != nil {
		return nil, err
	}
	pg, err := checkPaging(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	g, err := getGroup(ctx, s.store, c.Account, in.GroupName)
	if err != nil {
		return nil, mapStoreErr(err)
	}
	if err := s.authorize(ctx, c, "iam:GetGroup", groupARN(c.Account, g.Path, g.Name)); err != nil {
		return nil, err
	}
	users, err := s.store.ListGroupMembers(ctx, c.Account, g.Name)
	if err != nil {
		return nil, mapStoreErr(err)
	}
	users, trunc, marker := pageSlice(users, pg, func(u store.User) string { return u.Name })
	out := &GetGroupOutput{Group: groupShape(g), Users: make(awsproto.List[UserShape], 0, len(users)), IsTruncated: trunc, Marker: marker}
	for _, u := range users {
		out.Users = append(out.Users, userShape(u, false))
	}
	return out, nil
}

// ListGroupsInput is ListGroups' input.
type ListGroupsInput struct {
	PathPrefix string
	Marker     string
	MaxItems   *int32
}

// ListGroupsOutput is ListGroups' and ListGroupsForUser's result.
type ListGroupsOutput struct {
	Groups      awsproto.List[GroupShape]
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

// ListGroups lists the account's groups.
func (s *Service) ListGroups(ctx context.Context, c Caller, in *ListGroupsInput) (*ListGroupsOutput, error) {
	if err := checkPathPrefix(&in.PathPrefix); err != nil {
		return nil, err
	}
	pg, err := checkPaging(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "iam:ListGroups", groupARN(c.Account, "/", "*")); err != nil {
		return nil, err
	}
	groups, err := s.store.ListGroups(ctx, c.Account, in.PathPrefix, pg.storePage())
	if err != nil {
		return nil, mapStoreErr(err)
	}
	groups, trunc, marker := truncate(groups, pg, func(g store.Group) string { return g.Name })
	return groupsOut(groups, trunc, marker), nil
}

func groupsOut(groups []store.Group, trunc bool, marker string) *ListGroupsOutput {
	out := &ListGroupsOutput{Groups: make(awsproto.List[GroupShape], 0, len(groups)), IsTruncated: trunc, Marker: marker}
	for _, g := range groups {
		out.Groups = append(out.Groups, groupShape(g))
	}
	return out
}

// ListGroupsForUserInput is ListGroupsForUser's input.
type ListGroupsForUserInput struct {
	UserName string
	Marker   string
	MaxItems *int32
}

// ListGroupsForUser lists the groups a user belongs to.
func (s *Service) ListGroupsForUser(ctx context.Context, c Caller, in *ListGroupsForUserInput) (*ListGroupsOutput, error) {
	if err := checkName(in.UserName, "userName", 128); err != nil {
		return nil, err
	}
	pg, err := checkPaging(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	u, err := getUser(ctx, s.store, c.Account, in.UserName)
	if err != nil {
		return nil, mapStoreErr(err)
	}
	if err := s.authorize(ctx, c, "iam:ListGroupsForUser", userARN(c.Account, u.Path, u.Name)); err != nil {
		return nil, err
	}
	groups, err := s.store.ListGroupsForUser(ctx, c.Account, u.Name)
	if err != nil {
		return nil, mapStoreErr(err)
	}
	groups, trunc, marker := pageSlice(groups, pg, func(g store.Group) string { return g.Name })
	return groupsOut(groups, trunc, marker), nil
}

// GroupMembershipInput is AddUserToGroup's and RemoveUserFromGroup's input.
type GroupMembershipInput struct {
	GroupName string
	UserName  string
}

// maxGroupsPerUser is AWS's quota of group memberships per user.
const maxGroupsPerUser = 10

// AddUserToGroup adds a user to a group (idempotent).
func (s *Service) AddUserToGroup(ctx context.Context, c Caller, in *GroupMembershipInput) error {
	return s.membership(ctx, c, in, true)
}

// RemoveUserFromGroup removes a user from a group.
func (s *Service) RemoveUserFromGroup(ctx context.Context, c Caller, in *GroupMembershipInput) error {
	return s.membership(ctx, c, in, false)
}

func (s *Service) membership(ctx context.Context, c Caller, in *GroupMembershipInput, add bool) error {
	if err := checkName(in.GroupName, "groupName", 128); err != nil {
		return err
	}
	if err := checkName(in.UserName, "userName", 128); err != nil {
		return err
	}
	g, err := getGroup(ctx, s.store, c.Account, in.GroupName)
	if err != nil {
		return mapStoreErr(err)
	}
	action := "iam:RemoveUserFromGroup"
	if add {
		action = "iam:AddUserToGroup"
	}
	if err := s.authorize(ctx, c, action, groupARN(c.Account, g.Path, g.Name)); err != nil {
		return err
	}
	return s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		u, err := getUser(ctx, tx, c.Account, in.UserName)
		if err != nil {
			return err
		}
		g, err := getGroup(ctx, tx, c.Account, in.GroupName)
		if err != nil {
			return err
		}
		if !add {
			if err := tx.RemoveUserFromGroup(ctx, c.Account, g.Name, u.Name); isNotFound(err) {
				return iamErr("NoSuchEntity", "The user with name %s cannot be found in group %s.", in.UserName, in.GroupName)
			} else if err != nil {
				return err
			}
			return nil
		}
		groups, err := tx.ListGroupsForUser(ctx, c.Account, u.Name)
		if err != nil {
			return err
		}
		for _, have := range groups {
			if have.Name == g.Name {
				return nil
			}
		}
		if len(groups) >= maxGroupsPerUser {
			return iamErr("LimitExceeded", "Cannot exceed quota for GroupsPerUser: %d", maxGroupsPerUser)
		}
		return tx.AddUserToGroup(ctx, c.Account, g.Name, u.Name)
	})
}

// DeleteGroupInput is DeleteGroup's input.
type DeleteGroupInput struct{ GroupName string }

// DeleteGroup deletes a group without members, policies or attachments.
func (s *Service) DeleteGroup(ctx context.Context, c Caller, in *DeleteGroupInput) error {
	if err := checkName(in.GroupName, "groupName", 128); err != nil {
		return err
	}
	g, err := getGroup(ctx, s.store, c.Account, in.GroupName)
	if err != nil {
		return mapStoreErr(err)
	}
	if err := s.authorize(ctx, c, "iam:DeleteGroup", groupARN(c.Account, g.Path, g.Name)); err != nil {
		return err
	}
	return s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		g, err := getGroup(ctx, tx, c.Account, in.GroupName)
		if err != nil {
			return err
		}
		if us, err := tx.ListGroupMembers(ctx, c.Account, g.Name); err != nil {
			return err
		} else if len(us) > 0 {
			return iamErr("DeleteConflict", "Cannot delete entity, must remove users from group first.")
		}
		if ps, err := tx.ListInlinePolicies(ctx, c.Account, store.KindGroup, g.Name); err != nil {
			return err
		} else if len(ps) > 0 {
			return iamErr("DeleteConflict", "Cannot delete entity, must delete policies first.")
		}
		if as, err := tx.ListAttachedPolicies(ctx, c.Account, store.KindGroup, g.Name); err != nil {
			return err
		} else if len(as) > 0 {
			return iamErr("DeleteConflict", "Cannot delete entity, must detach all policies first.")
		}
		if err := tx.DeleteGroup(ctx, c.Account, g.Name); isNotFound(err) {
			return errNoSuchEntity("group", in.GroupName)
		} else if err != nil {
			return err
		}
		return nil
	})
}
