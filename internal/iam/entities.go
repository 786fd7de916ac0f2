package iam

import (
	"net/url"
	"strings"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/store"
)

// ARNs of IAM entities. Paths start and end with "/".
func userARN(account, path, name string) string {
	return "arn:aws:iam::" + account + ":user" + path + name
}
func groupARN(account, path, name string) string {
	return "arn:aws:iam::" + account + ":group" + path + name
}
func roleARN(account, path, name string) string {
	return "arn:aws:iam::" + account + ":role" + path + name
}
func policyARN(account, path, name string) string {
	return "arn:aws:iam::" + account + ":policy" + path + name
}
func assumedRoleARN(account, role, session string) string {
	return "arn:aws:sts::" + account + ":assumed-role/" + role + "/" + session
}

// parseEntityARN splits arn:aws:iam::ACCOUNT:KIND/PATH/NAME into account,
// path ("/" or "/a/b/") and name; ok is false for another shape.
func parseEntityARN(a, kind string) (account, path, name string, ok bool) {
	rest, found := strings.CutPrefix(a, "arn:aws:iam::")
	if !found {
		return "", "", "", false
	}
	account, res, found := strings.Cut(rest, ":")
	if !found {
		return "", "", "", false
	}
	res, found = strings.CutPrefix(res, kind+"/")
	if !found || res == "" {
		return "", "", "", false
	}
	i := strings.LastIndexByte(res, '/')
	return account, "/" + res[:i+1], res[i+1:], true
}

// encodeDocument percent-encodes a policy document as IAM returns it
// (RFC 3986; the aws CLI and boto3 decode it, SDK users call
// url.QueryUnescape).
func encodeDocument(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

// The result shapes shared by several operations.

// UserShape is IAM's User.
type UserShape struct {
	Path       string `xml:",omitempty"`
	UserName   string `xml:",omitempty"`
	UserId     string
	Arn        string
	CreateDate QueryTime
	Tags       awsproto.List[Tag] `xml:",omitempty"`
}

func userShape(u store.User, withTags bool) UserShape {
	out := UserShape{Path: u.Path, UserName: u.Name, UserId: u.UserID, Arn: userARN(u.Account, u.Path, u.Name), CreateDate: QueryTime(u.CreatedAt)}
	if withTags {
		out.Tags = tagsOut(u.Tags)
	}
	return out
}

// GroupShape is IAM's Group.
type GroupShape struct {
	Path       string
	GroupName  string
	GroupId    string
	Arn        string
	CreateDate QueryTime
}

func groupShape(g store.Group) GroupShape {
	return GroupShape{Path: g.Path, GroupName: g.Name, GroupId: g.GroupID, Arn: groupARN(g.Account, g.Path, g.Name), CreateDate: QueryTime(g.CreatedAt)}
}

// RoleShape is IAM's Role.
type RoleShape struct {
	Path                     string
	RoleName                 string
	RoleId                   string
	Arn                      string
	CreateDate               QueryTime
	AssumeRolePolicyDocument string             `xml:",omitempty"`
	Description              string             `xml:",omitempty"`
	MaxSessionDuration       int                `xml:",omitempty"`
	Tags                     awsproto.List[Tag] `xml:",omitempty"`
}

func roleShape(r store.Role) RoleShape {
	return RoleShape{Path: r.Path, RoleName: r.Name, RoleId: r.RoleID, Arn: roleARN(r.Account, r.Path, r.Name), CreateDate: QueryTime(r.CreatedAt),
		AssumeRolePolicyDocument: encodeDocument(r.AssumeRolePolicy), Description: r.Description, MaxSessionDuration: r.MaxSessionDuration, Tags: tagsOut(r.Tags)}
}

func tagsOut(tags []store.Tag) awsproto.List[Tag] {
	out := make(awsproto.List[Tag], len(tags))
	for i, t := range tags {
		out[i] = Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

// getUser reads a user, NoSuchEntity if absent.
func getUser(ctx contextT, rd store.Reader, account, name string) (store.User, error) {
	u, err := rd.GetUser(ctx, account, name)
	if isNotFound(err) {
		return u, errNoSuchEntity("user", name)
	}
	return u, err
}

func getGroup(ctx contextT, rd store.Reader, account, name string) (store.Group, error) {
	g, err := rd.GetGroup(ctx, account, name)
	if isNotFound(err) {
		return g, errNoSuchEntity("group", name)
	}
	return g, err
}

func getRole(ctx contextT, rd store.Reader, account, name string) (store.Role, error) {
	r, err := rd.GetRole(ctx, account, name)
	if isNotFound(err) {
		return r, iamErr("NoSuchEntity", "The role with name %s cannot be found.", name)
	}
	return r, err
}
