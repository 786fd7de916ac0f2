package iam

import "errors"

var errCollision = errors.New("access key id collision")

func (s *Service) addIAMOperations(ops map[string]Operation) {
	for name, op := range map[string]Operation{
		"CreateUser": bind(s.CreateUser),
		"GetUser":    bind(s.GetUser),
		"ListUsers":  bind(s.ListUsers),
		"DeleteUser": bind0(s.DeleteUser),
		"TagUser":    bind0(s.TagUser),

		"CreateAccessKey": bind(s.CreateAccessKey),
		"ListAccessKeys":  bind(s.ListAccessKeys),
		"UpdateAccessKey": bind0(s.UpdateAccessKey),
		"DeleteAccessKey": bind0(s.DeleteAccessKey),

		"CreateGroup":         bind(s.CreateGroup),
		"GetGroup":            bind(s.GetGroup),
		"ListGroups":          bind(s.ListGroups),
		"ListGroupsForUser":   bind(s.ListGroupsForUser),
		"AddUserToGroup":      bind0(s.AddUserToGroup),
		"RemoveUserFromGroup": bind0(s.RemoveUserFromGroup),
		"DeleteGroup":         bind0(s.DeleteGroup),

		"PutUserPolicy":     bind0(s.PutUserPolicy),
		"GetUserPolicy":     bind(s.GetUserPolicy),
		"ListUserPolicies":  bind(s.ListUserPolicies),
		"DeleteUserPolicy":  bind0(s.DeleteUserPolicy),
		"PutGroupPolicy":    bind0(s.PutGroupPolicy),
		"GetGroupPolicy":    bind(s.GetGroupPolicy),
		"ListGroupPolicies": bind(s.ListGroupPolicies),
		"DeleteGroupPolicy": bind0(s.DeleteGroupPolicy),
		"PutRolePolicy":     bind0(s.PutRolePolicy),
		"GetRolePolicy":     bind(s.GetRolePolicy),
		"ListRolePolicies":  bind(s.ListRolePolicies),
		"DeleteRolePolicy":  bind0(s.DeleteRolePolicy),

		"CreatePolicy":              bind(s.CreatePolicy),
		"GetPolicy":                 bind(s.GetPolicy),
		"GetPolicyVersion":          bind(s.GetPolicyVersion),
		"CreatePolicyVersion":       bind(s.CreatePolicyVersion),
		"DeletePolicyVersion":       bind0(s.DeletePolicyVersion),
		"SetDefaultPolicyVersion":   bind0(s.SetDefaultPolicyVersion),
		"ListPolicyVersions":        bind(s.ListPolicyVersions),
		"ListPolicies":              bind(s.ListPolicies),
		"DeletePolicy":              bind0(s.DeletePolicy),
		"AttachUserPolicy":          bind0(s.AttachUserPolicy),
		"AttachGroupPolicy":         bind0(s.AttachGroupPolicy),
		"AttachRolePolicy":          bind0(s.AttachRolePolicy),
		"DetachUserPolicy":          bind0(s.DetachUserPolicy),
		"DetachGroupPolicy":         bind0(s.DetachGroupPolicy),
		"DetachRolePolicy":          bind0(s.DetachRolePolicy),
		"ListAttachedUserPolicies":  bind(s.ListAttachedUserPolicies),
		"ListAttachedGroupPolicies": bind(s.ListAttachedGroupPolicies),
		"ListAttachedRolePolicies":  bind(s.ListAttachedRolePolicies),

		"CreateRole":             bind(s.CreateRole),
		"GetRole":                bind(s.GetRole),
		"ListRoles":              bind(s.ListRoles),
		"DeleteRole":             bind0(s.DeleteRole),
		"UpdateAssumeRolePolicy": bind0(s.UpdateAssumeRolePolicy),
		"TagRole":                bind0(s.TagRole),
	} {
		ops[name] = op
	}
}
