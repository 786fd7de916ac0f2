package kms

import (
	"context"
	"fmt"
	"strings"

	"github.com/coffer-kms/coffer/internal/store"
)

// validateTags checks tag keys and values against the model (key 1..128,
// value 0..256).
func validateTags(v *validation, tags []Tag) {
	for i, t := range tags {
		v.strLen(fmt.Sprintf("tags.%d.member.tagKey", i+1), t.TagKey, 1, 128)
		v.strLen(fmt.Sprintf("tags.%d.member.tagValue", i+1), t.TagValue, 0, 256)
	}
}

// checkTagRules enforces the rules KMS adds to the model: no reserved
// "aws:" keys, and at most 50 tags on a key.
func checkTagRules(tags []Tag) error {
	for _, t := range tags {
		if strings.HasPrefix(strings.ToLower(t.TagKey), "aws:") {
			return kmsErr("TagException", "Tag keys beginning with aws: are reserved: %s", t.TagKey)
		}
	}
	if len(tags) > maxTagsPerKey {
		return kmsErr("TagException", "A key can have at most %d tags.", maxTagsPerKey)
	}
	return nil
}

func toStoreTags(tags []Tag) []store.Tag {
	out := make([]store.Tag, len(tags))
	for i, t := range tags {
		out[i] = store.Tag{Key: t.TagKey, Value: t.TagValue}
	}
	return out
}

// TagResource adds or replaces tags on a key.
func (s *Service) TagResource(ctx context.Context, c Caller, in *TagResourceInput) (*Empty, error) {
	var v validation
	v.keyID("keyId", in.KeyId)
	v.required("tags", in.Tags != nil)
	validateTags(&v, in.Tags)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := checkTagRules(in.Tags); err != nil {
		return nil, err
	}
	k, err := s.resolveKey(ctx, c, in.KeyId, false)
	if err != nil {
		return nil, err
	}
	condCtx := map[string][]string{}
	addRequestTags(condCtx, in.Tags)
	if err := s.authorizeWith(ctx, c, "kms:TagResource", &k, nil, nil, condCtx); err != nil {
		return nil, err
	}
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		cur, err := txKey(ctx, tx, k.Ref)
		if err != nil {
			return err
		}
		if err := requireNotPendingDeletion(&cur); err != nil {
			return err
		}
		existing, err := tx.ListTags(ctx, k.Ref)
		if err != nil {
			return err
		}
		names := make(map[string]bool, len(existing)+len(in.Tags))
		for _, t := range existing {
			names[t.Key] = true
		}
		for _, t := range in.Tags {
			names[t.TagKey] = true
		}
		if len(names) > maxTagsPerKey {
			return kmsErr("LimitExceededException", "The request would give key %s %d tags; a key can have at most %d.", keyARN(k.Ref), len(names), maxTagsPerKey)
		}
		return tx.PutTags(ctx, k.Ref, toStoreTags(in.Tags))
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// UntagResource removes tags from a key; absent tag keys are ignored.
func (s *Service) UntagResource(ctx context.Context, c Caller, in *UntagResourceInput) (*Empty, error) {
	var v validation
	v.keyID("keyId", in.KeyId)
	v.required("tagKeys", in.TagKeys != nil)
	for i, key := range in.TagKeys {
		v.strLen(fmt.Sprintf("tagKeys.%d.member", i+1), key, 1, 128)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	k, err := s.resolveKey(ctx, c, in.KeyId, false)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeWith(ctx, c, "kms:UntagResource", &k, nil, nil, map[string][]string{"aws:TagKeys": in.TagKeys}); err != nil {
		return nil, err
	}
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		cur, err := txKey(ctx, tx, k.Ref)
		if err != nil {
			return err
		}
		if err := requireNotPendingDeletion(&cur); err != nil {
			return err
		}
		return tx.DeleteTags(ctx, k.Ref, in.TagKeys)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// ListResourceTags lists a key's tags.
func (s *Service) ListResourceTags(ctx context.Context, c Caller, in *ListResourceTagsInput) (*ListResourceTagsOutput, error) {
	limit, after, err := pageLimit(listTags, in.Limit, in.Marker)
	if err != nil {
		return nil, err
	}
	k, err := s.keyForManagement(ctx, c, in.KeyId, "kms:ListResourceTags", nil)
	if err != nil {
		return nil, err
	}
	tags, err := s.store.ListTags(ctx, k.Ref)
	if err != nil {
		return nil, mapStoreErr(err)
	}
	out := &ListResourceTagsOutput{Tags: []Tag{}}
	for _, t := range tags {
		if t.Key <= after {
			continue
		}
		if len(out.Tags) == limit {
			out.Truncated = true
			out.NextMarker = encodeMarker(listTags, out.Tags[len(out.Tags)-1].TagKey)
			break
		}
		out.Tags = append(out.Tags, Tag{TagKey: t.Key, TagValue: t.Value})
	}
	return out, nil
}

// addRequestTags sets aws:RequestTag/<key> and aws:TagKeys for a request
// that adds tags.
func addRequestTags(condCtx map[string][]string, tags []Tag) {
	if len(tags) == 0 {
		return
	}
	keys := make([]string, len(tags))
	for i, t := range tags {
		condCtx["aws:RequestTag/"+t.TagKey] = []string{t.TagValue}
		keys[i] = t.TagKey
	}
	condCtx["aws:TagKeys"] = keys
}
