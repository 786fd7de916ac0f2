package kms

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/coffer-kms/coffer/internal/store"
)

// checkPolicyDocument validates a key policy's form: within the 32 KiB
// quota and a JSON object with a Statement. The policy language itself is
// judged by the policy engine (internal/policy) once it sits behind the
// Authorizer.
func checkPolicyDocument(doc string) error {
	if len(doc) > maxPolicyBytes {
		return kmsErr("LimitExceededException", "The key policy is %d bytes; the maximum is %d bytes.", len(doc), maxPolicyBytes)
	}
	var p map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return kmsErr("MalformedPolicyDocumentException", "The policy is not valid JSON: %v", err)
	}
	stmt, ok := p["Statement"]
	if !ok {
		return kmsErr("MalformedPolicyDocumentException", "The policy has no Statement.")
	}
	var one map[string]json.RawMessage
	var many []map[string]json.RawMessage
	if json.Unmarshal(stmt, &one) != nil && json.Unmarshal(stmt, &many) != nil {
		return kmsErr("MalformedPolicyDocumentException", "The policy's Statement must be an object or a list of objects.")
	}
	return nil
}

// policyName validates PolicyName: only "default" exists.
func policyName(name *string) error {
	if name == nil {
		return nil
	}
	var v validation
	v.strLen("policyName", *name, 1, 128)
	if err := v.err(); err != nil {
		return err
	}
	if *name != "default" {
		return kmsErr("NotFoundException", "No such policy exists: %s. The only key policy name is default.", *name)
	}
	return nil
}

// GetKeyPolicy returns a key's policy.
func (s *Service) GetKeyPolicy(ctx context.Context, c Caller, in *GetKeyPolicyInput) (*GetKeyPolicyOutput, error) {
	if err := policyName(in.PolicyName); err != nil {
		return nil, err
	}
	k, err := s.keyForManagement(ctx, c, in.KeyId, "kms:GetKeyPolicy", nil)
	if err != nil {
		return nil, err
	}
	return &GetKeyPolicyOutput{Policy: k.Policy, PolicyName: "default"}, nil
}

// PutKeyPolicy replaces a key's policy.
func (s *Service) PutKeyPolicy(ctx context.Context, c Caller, in *PutKeyPolicyInput) (*Empty, error) {
	var v validation
	v.keyID("keyId", in.KeyId)
	v.required("policy", in.Policy != nil)
	if in.Policy != nil {
		v.strLen("policy", *in.Policy, 1, 131072)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := policyName(in.PolicyName); err != nil {
		return nil, err
	}
	k, err := s.resolveKey(ctx, c, in.KeyId, false)
	if err != nil {
		return nil, err
	}
	condCtx := map[string][]string{"kms:BypassPolicyLockoutSafetyCheck": {strconv.FormatBool(in.BypassPolicyLockoutSafetyCheck)}}
	if err := s.authorizeWith(ctx, c, "kms:PutKeyPolicy", &k, nil, nil, condCtx); err != nil {
		return nil, err
	}
	if err := refuseAWSManaged(&k, "kms:PutKeyPolicy"); err != nil {
		return nil, err
	}
	if err := s.checkKeyPolicy(ctx, c, &k, *in.Policy, in.BypassPolicyLockoutSafetyCheck); err != nil {
		return nil, err
	}
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		cur, err := txKey(ctx, tx, k.Ref)
		if err != nil {
			return err
		}
		cur.Policy = *in.Policy
		return tx.UpdateKey(ctx, cur)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// ListKeyPolicies lists a key's policy names: always ["default"].
func (s *Service) ListKeyPolicies(ctx context.Context, c Caller, in *ListKeyPoliciesInput) (*ListKeyPoliciesOutput, error) {
	if _, _, err := pageLimit("policies", in.Limit, in.Marker); err != nil {
		return nil, err
	}
	if _, err := s.keyForManagement(ctx, c, in.KeyId, "kms:ListKeyPolicies", nil); err != nil {
		return nil, err
	}
	return &ListKeyPoliciesOutput{PolicyNames: []string{"default"}}, nil
}
