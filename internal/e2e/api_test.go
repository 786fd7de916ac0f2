package e2e

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func createKey(t *testing.T, c *kms.Client, desc string) *types.KeyMetadata {
	t.Helper()
	out := ok(c.CreateKey(ctx(), &kms.CreateKeyInput{Description: aws.String(desc)})).get(t)
	return out.KeyMetadata
}

// TestKeyLifecycle covers CreateKey, DescribeKey, ListKeys, Enable/Disable,
// UpdateKeyDescription, ScheduleKeyDeletion and CancelKeyDeletion.
func TestKeyLifecycle(t *testing.T) {
	e := start(t)
	c := e.client("")

	t.Run("CreateKey", func(t *testing.T) {
		before := e.clock.Now()
		out := ok(c.CreateKey(ctx(), &kms.CreateKeyInput{
			Description: aws.String("battle plans"),
			Tags:        []types.Tag{{TagKey: aws.String("team"), TagValue: aws.String("cats")}, {TagKey: aws.String("empty"), TagValue: aws.String("")}},
		})).get(t)
		md := out.KeyMetadata
		checkMetadata(t, md, "battle plans", before)
		tags := ok(c.ListResourceTags(ctx(), &kms.ListResourceTagsInput{KeyId: md.KeyId})).get(t)
		got := map[string]string{}
		for _, tg := range tags.Tags {
			got[aws.ToString(tg.TagKey)] = aws.ToString(tg.TagValue)
		}
		if len(got) != 2 || got["team"] != "cats" || got["empty"] != "" {
			t.Errorf("tags = %v", got)
		}
		pol := ok(c.GetKeyPolicy(ctx(), &kms.GetKeyPolicyInput{KeyId: md.KeyId, PolicyName: aws.String("default")})).get(t)
		p := aws.ToString(pol.Policy)
		if !contains(p, "Enable IAM User Permissions") || !contains(p, "arn:aws:iam::111122223333:root") || !contains(p, `"kms:*"`) {
			t.Errorf("default policy = %s", p)
		}
		if !json.Valid([]byte(p)) {
			t.Errorf("default policy is not JSON: %s", p)
		}
	})

	t.Run("CreateKeyWithPolicy", func(t *testing.T) {
		policy := `{"Version":"2012-10-17","Id":"custom","Statement":[{"Sid":"Root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`
		md := ok(c.CreateKey(ctx(), &kms.CreateKeyInput{Policy: aws.String(policy)})).get(t).KeyMetadata
		got := ok(c.GetKeyPolicy(ctx(), &kms.GetKeyPolicyInput{KeyId: md.KeyId})).get(t)
		if aws.ToString(got.Policy) != policy {
			t.Errorf("policy = %s, want %s", aws.ToString(got.Policy), policy)
		}
		if aws.ToString(md.Description) != "" {
			t.Errorf("description = %q, want empty", aws.ToString(md.Description))
		}
	})

	t.Run("DescribeKey", func(t *testing.T) {
		before := e.clock.Now()
		md := createKey(t, c, "described")
		for _, id := range []string{aws.ToString(md.KeyId), aws.ToString(md.Arn)} {
			got := ok(c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(id)})).get(t).KeyMetadata
			checkMetadata(t, got, "described", before)
		}
	})

	t.Run("ListKeysPagination", func(t *testing.T) {
		for i := 0; i < 5; i++ {
			createKey(t, c, "page")
		}
		all := ok(c.ListKeys(ctx(), &kms.ListKeysInput{Limit: aws.Int32(1000)})).get(t)
		if all.Truncated || all.NextMarker != nil {
			t.Errorf("Limit 1000: Truncated=%v NextMarker=%v", all.Truncated, all.NextMarker)
		}
		if len(all.Keys) < 6 {
			t.Fatalf("ListKeys: %d keys, want >= 6", len(all.Keys))
		}
		var paged []string
		var marker *string
		pages := 0
		for {
			out := ok(c.ListKeys(ctx(), &kms.ListKeysInput{Limit: aws.Int32(2), Marker: marker})).get(t)
			pages++
			if len(out.Keys) > 2 {
				t.Fatalf("page of %d keys with Limit 2", len(out.Keys))
			}
			for _, k := range out.Keys {
				paged = append(paged, aws.ToString(k.KeyId))
				if aws.ToString(k.KeyArn) != keyARN(region, aws.ToString(k.KeyId)) {
					t.Errorf("KeyArn = %s", aws.ToString(k.KeyArn))
				}
			}
			if !out.Truncated {
				if out.NextMarker != nil {
					t.Errorf("last page has NextMarker %q", aws.ToString(out.NextMarker))
				}
				break
			}
			if out.NextMarker == nil {
				t.Fatal("Truncated page without NextMarker")
			}
			marker = out.NextMarker
			if pages > 100 {
				t.Fatal("pagination does not end")
			}
		}
		var want []string
		for _, k := range all.Keys {
			want = append(want, aws.ToString(k.KeyId))
		}
		if !slices.Equal(paged, want) {
			t.Errorf("paged keys %v\nwant %v", paged, want)
		}
		// The SDK paginator agrees.
		n := 0
		p := kms.NewListKeysPaginator(c, &kms.ListKeysInput{Limit: aws.Int32(3)})
		for p.HasMorePages() {
			n += len(ok(p.NextPage(ctx())).get(t).Keys)
		}
		if n != len(want) {
			t.Errorf("paginator saw %d keys, want %d", n, len(want))
		}
	})

	t.Run("EnableDisable", func(t *testing.T) {
		md := createKey(t, c, "")
		ok(c.DisableKey(ctx(), &kms.DisableKeyInput{KeyId: md.KeyId})).get(t)
		got := ok(c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: md.KeyId})).get(t).KeyMetadata
		if got.KeyState != types.KeyStateDisabled || got.Enabled {
			t.Errorf("after DisableKey: state %s enabled %v", got.KeyState, got.Enabled)
		}
		ok(c.EnableKey(ctx(), &kms.EnableKeyInput{KeyId: md.Arn})).get(t)
		got = ok(c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: md.KeyId})).get(t).KeyMetadata
		if got.KeyState != types.KeyStateEnabled || !got.Enabled {
			t.Errorf("after EnableKey: state %s enabled %v", got.KeyState, got.Enabled)
		}
	})

	t.Run("UpdateKeyDescription", func(t *testing.T) {
		md := createKey(t, c, "old")
		ok(c.UpdateKeyDescription(ctx(), &kms.UpdateKeyDescriptionInput{KeyId: md.KeyId, Description: aws.String("new")})).get(t)
		got := ok(c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: md.KeyId})).get(t).KeyMetadata
		if aws.ToString(got.Description) != "new" {
			t.Errorf("description = %q", aws.ToString(got.Description))
		}
	})

	t.Run("ScheduleAndCancelDeletion", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			window *int32
			days   int32
		}{
			{"default30", nil, 30},
			{"min7", aws.Int32(7), 7},
			{"max30", aws.Int32(30), 30},
		} {
			t.Run(tc.name, func(t *testing.T) {
				md := createKey(t, c, "doomed")
				now := e.clock.Now()
				out := ok(c.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: md.KeyId, PendingWindowInDays: tc.window})).get(t)
				if aws.ToString(out.KeyId) != aws.ToString(md.Arn) {
					t.Errorf("KeyId = %s, want the ARN %s", aws.ToString(out.KeyId), aws.ToString(md.Arn))
				}
				if out.KeyState != types.KeyStatePendingDeletion || aws.ToInt32(out.PendingWindowInDays) != tc.days {
					t.Errorf("state %s window %d", out.KeyState, aws.ToInt32(out.PendingWindowInDays))
				}
				wantDate := now.Add(time.Duration(tc.days) * 24 * time.Hour)
				if out.DeletionDate == nil || out.DeletionDate.Sub(wantDate).Abs() > 2*time.Second {
					t.Errorf("DeletionDate = %v, want %v", out.DeletionDate, wantDate)
				}
				got := ok(c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: md.KeyId})).get(t).KeyMetadata
				if got.KeyState != types.KeyStatePendingDeletion || got.Enabled || got.DeletionDate == nil || aws.ToInt32(got.PendingDeletionWindowInDays) != tc.days {
					t.Errorf("DescribeKey: state %s enabled %v DeletionDate %v window %d", got.KeyState, got.Enabled, got.DeletionDate, aws.ToInt32(got.PendingDeletionWindowInDays))
				}
				cout := ok(c.CancelKeyDeletion(ctx(), &kms.CancelKeyDeletionInput{KeyId: md.KeyId})).get(t)
				if aws.ToString(cout.KeyId) != aws.ToString(md.Arn) {
					t.Errorf("CancelKeyDeletion KeyId = %s", aws.ToString(cout.KeyId))
				}
				got = ok(c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: md.KeyId})).get(t).KeyMetadata
				if got.KeyState != types.KeyStateDisabled || got.DeletionDate != nil || got.PendingDeletionWindowInDays != nil {
					t.Errorf("after cancel: state %s DeletionDate %v window %v", got.KeyState, got.DeletionDate, got.PendingDeletionWindowInDays)
				}
			})
		}
	})
}

func checkMetadata(t *testing.T, md *types.KeyMetadata, desc string, notBefore time.Time) {
	t.Helper()
	if md == nil {
		t.Fatal("no KeyMetadata")
	}
	id := aws.ToString(md.KeyId)
	if len(id) != 36 {
		t.Errorf("KeyId %q is not a UUID", id)
	}
	if aws.ToString(md.Arn) != keyARN(region, id) {
		t.Errorf("Arn = %s", aws.ToString(md.Arn))
	}
	if aws.ToString(md.AWSAccountId) != account {
		t.Errorf("AWSAccountId = %s", aws.ToString(md.AWSAccountId))
	}
	if md.KeyState != types.KeyStateEnabled || !md.Enabled {
		t.Errorf("KeyState %s Enabled %v", md.KeyState, md.Enabled)
	}
	if md.KeySpec != types.KeySpecSymmetricDefault || md.CustomerMasterKeySpec != types.CustomerMasterKeySpecSymmetricDefault {
		t.Errorf("KeySpec %s CustomerMasterKeySpec %s", md.KeySpec, md.CustomerMasterKeySpec)
	}
	if md.KeyUsage != types.KeyUsageTypeEncryptDecrypt {
		t.Errorf("KeyUsage %s", md.KeyUsage)
	}
	if md.Origin != types.OriginTypeAwsKms {
		t.Errorf("Origin %s", md.Origin)
	}
	if md.KeyManager != types.KeyManagerTypeCustomer {
		t.Errorf("KeyManager %s", md.KeyManager)
	}
	if !slices.Equal(md.EncryptionAlgorithms, []types.EncryptionAlgorithmSpec{types.EncryptionAlgorithmSpecSymmetricDefault}) {
		t.Errorf("EncryptionAlgorithms %v", md.EncryptionAlgorithms)
	}
	if md.CreationDate == nil || md.CreationDate.Before(notBefore.Add(-time.Second)) || md.CreationDate.After(notBefore.Add(time.Minute)) {
		t.Errorf("CreationDate %v, want about %v", md.CreationDate, notBefore)
	}
	if md.MultiRegion == nil || *md.MultiRegion {
		t.Errorf("MultiRegion = %v, want false", md.MultiRegion)
	}
	if aws.ToString(md.Description) != desc {
		t.Errorf("Description = %q, want %q", aws.ToString(md.Description), desc)
	}
	if md.DeletionDate != nil || md.PendingDeletionWindowInDays != nil {
		t.Errorf("DeletionDate %v window %v on an enabled key", md.DeletionDate, md.PendingDeletionWindowInDays)
	}
}

// TestAliases covers CreateAlias, UpdateAlias, DeleteAlias, ListAliases and
// the use of alias names and alias ARNs as KeyId.
func TestAliases(t *testing.T) {
	e := start(t)
	c := e.client("")
	k1 := createKey(t, c, "one")
	k2 := createKey(t, c, "two")

	ok(c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/catrobot"), TargetKeyId: k1.KeyId})).get(t)
	ok(c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/by-arn"), TargetKeyId: k2.Arn})).get(t)

	t.Run("ListAliases", func(t *testing.T) {
		out := ok(c.ListAliases(ctx(), &kms.ListAliasesInput{})).get(t)
		byName := map[string]types.AliasListEntry{}
		for _, a := range out.Aliases {
			byName[aws.ToString(a.AliasName)] = a
		}
		a, found := byName["alias/catrobot"]
		if !found {
			t.Fatalf("alias/catrobot not listed: %v", out.Aliases)
		}
		if aws.ToString(a.TargetKeyId) != aws.ToString(k1.KeyId) || aws.ToString(a.AliasArn) != aliasARN(region, "alias/catrobot") {
			t.Errorf("alias/catrobot = target %s arn %s", aws.ToString(a.TargetKeyId), aws.ToString(a.AliasArn))
		}
		if a.CreationDate == nil || a.LastUpdatedDate == nil {
			t.Errorf("alias dates: %v %v", a.CreationDate, a.LastUpdatedDate)
		}
		if b := byName["alias/by-arn"]; aws.ToString(b.TargetKeyId) != aws.ToString(k2.KeyId) {
			t.Errorf("alias/by-arn target %s", aws.ToString(b.TargetKeyId))
		}
		only := ok(c.ListAliases(ctx(), &kms.ListAliasesInput{KeyId: k1.KeyId})).get(t)
		if len(only.Aliases) != 1 || aws.ToString(only.Aliases[0].AliasName) != "alias/catrobot" {
			t.Errorf("ListAliases(KeyId=k1) = %v", only.Aliases)
		}
	})

	t.Run("ListAliasesPagination", func(t *testing.T) {
		for _, n := range []string{"alias/p1", "alias/p2", "alias/p3", "alias/p4"} {
			ok(c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String(n), TargetKeyId: k2.KeyId})).get(t)
		}
		var names []string
		p := kms.NewListAliasesPaginator(c, &kms.ListAliasesInput{Limit: aws.Int32(2)})
		for p.HasMorePages() {
			page := ok(p.NextPage(ctx())).get(t)
			if len(page.Aliases) > 2 {
				t.Fatalf("page of %d", len(page.Aliases))
			}
			for _, a := range page.Aliases {
				names = append(names, aws.ToString(a.AliasName))
			}
		}
		for _, n := range []string{"alias/catrobot", "alias/by-arn", "alias/p1", "alias/p4"} {
			if !slices.Contains(names, n) {
				t.Errorf("%s missing from paged aliases %v", n, names)
			}
		}
		if len(names) != len(slices.Compact(slices.Sorted(slices.Values(names)))) {
			t.Errorf("duplicates in paged aliases %v", names)
		}
	})

	t.Run("KeyIdForms", func(t *testing.T) {
		for _, id := range []string{"alias/catrobot", aliasARN(region, "alias/catrobot"), aws.ToString(k1.KeyId), aws.ToString(k1.Arn)} {
			t.Run(id, func(t *testing.T) {
				d := ok(c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(id)})).get(t)
				if aws.ToString(d.KeyMetadata.KeyId) != aws.ToString(k1.KeyId) {
					t.Errorf("DescribeKey(%s) = %s", id, aws.ToString(d.KeyMetadata.KeyId))
				}
				enc := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("meow")})).get(t)
				if aws.ToString(enc.KeyId) != aws.ToString(k1.Arn) {
					t.Errorf("Encrypt KeyId = %s, want %s", aws.ToString(enc.KeyId), aws.ToString(k1.Arn))
				}
				dec := ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})).get(t)
				if string(dec.Plaintext) != "meow" {
					t.Errorf("Decrypt = %q", dec.Plaintext)
				}
			})
		}
	})

	t.Run("UpdateAlias", func(t *testing.T) {
		ok(c.UpdateAlias(ctx(), &kms.UpdateAliasInput{AliasName: aws.String("alias/catrobot"), TargetKeyId: k2.KeyId})).get(t)
		d := ok(c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/catrobot")})).get(t)
		if aws.ToString(d.KeyMetadata.KeyId) != aws.ToString(k2.KeyId) {
			t.Errorf("after UpdateAlias alias/catrobot -> %s, want %s", aws.ToString(d.KeyMetadata.KeyId), aws.ToString(k2.KeyId))
		}
		enc := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String("alias/catrobot"), Plaintext: []byte("x")})).get(t)
		if aws.ToString(enc.KeyId) != aws.ToString(k2.Arn) {
			t.Errorf("Encrypt via updated alias used %s", aws.ToString(enc.KeyId))
		}
	})

	t.Run("DeleteAlias", func(t *testing.T) {
		ok(c.DeleteAlias(ctx(), &kms.DeleteAliasInput{AliasName: aws.String("alias/catrobot")})).get(t)
		_, err := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/catrobot")})
		wantCode(t, err, "NotFoundException")
		out := ok(c.ListAliases(ctx(), &kms.ListAliasesInput{})).get(t)
		for _, a := range out.Aliases {
			if aws.ToString(a.AliasName) == "alias/catrobot" {
				t.Error("deleted alias still listed")
			}
		}
		// The key itself is unaffected.
		ok(c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: k2.KeyId})).get(t)
		// The name can be reused.
		ok(c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/catrobot"), TargetKeyId: k1.KeyId})).get(t)
	})
}

// TestCrypto covers Encrypt, Decrypt, ReEncrypt, GenerateDataKey(+WithoutPlaintext),
// GenerateRandom and DryRun.
func TestCrypto(t *testing.T) {
	e := start(t)
	c := e.client("")
	k := createKey(t, c, "crypto")
	k2 := createKey(t, c, "crypto2")

	t.Run("EncryptDecrypt", func(t *testing.T) {
		for _, n := range []int{1, 17, 4096} {
			pt := bytes.Repeat([]byte{byte(n)}, n)
			enc := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyId, Plaintext: pt})).get(t)
			if enc.EncryptionAlgorithm != types.EncryptionAlgorithmSpecSymmetricDefault || aws.ToString(enc.KeyId) != aws.ToString(k.Arn) {
				t.Errorf("Encrypt: alg %s key %s", enc.EncryptionAlgorithm, aws.ToString(enc.KeyId))
			}
			if len(enc.CiphertextBlob) > 6144 || bytes.Contains(enc.CiphertextBlob, pt) && n > 1 {
				t.Errorf("blob of %d bytes for %d-byte plaintext", len(enc.CiphertextBlob), n)
			}
			dec := ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})).get(t)
			if !bytes.Equal(dec.Plaintext, pt) {
				t.Errorf("Decrypt of %d bytes differs", n)
			}
			if aws.ToString(dec.KeyId) != aws.ToString(k.Arn) || dec.EncryptionAlgorithm != types.EncryptionAlgorithmSpecSymmetricDefault {
				t.Errorf("Decrypt: KeyId %s alg %s", aws.ToString(dec.KeyId), dec.EncryptionAlgorithm)
			}
			// With the right KeyId, in every form.
			for _, id := range []*string{k.KeyId, k.Arn} {
				ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, KeyId: id})).get(t)
			}
		}
		// Two encryptions of the same plaintext differ.
		a := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("same")})).get(t)
		b := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("same")})).get(t)
		if bytes.Equal(a.CiphertextBlob, b.CiphertextBlob) {
			t.Error("Encrypt is deterministic")
		}
	})

	t.Run("EncryptionContext", func(t *testing.T) {
		ec := map[string]string{"purpose": "test", "b": "2"}
		enc := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("secret"), EncryptionContext: ec})).get(t)
		dec := ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"b": "2", "purpose": "test"}})).get(t)
		if string(dec.Plaintext) != "secret" {
			t.Errorf("Decrypt = %q", dec.Plaintext)
		}
		for name, bad := range map[string]map[string]string{
			"none":     nil,
			"value":    {"purpose": "other", "b": "2"},
			"subset":   {"purpose": "test"},
			"superset": {"purpose": "test", "b": "2", "c": "3"},
			"collide":  {"purpose": "tes", "b": "t2"},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: bad})
				var ice *types.InvalidCiphertextException
				if !asErr(err, &ice) {
					t.Errorf("got %v, want InvalidCiphertextException", err)
				}
			})
		}
		// A blob made without a context does not decrypt with one.
		plain := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("secret")})).get(t)
		_, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: plain.CiphertextBlob, EncryptionContext: ec})
		wantCode(t, err, "InvalidCiphertextException")
	})

	t.Run("ReEncrypt", func(t *testing.T) {
		ec := map[string]string{"k": "v"}
		enc := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("move me"), EncryptionContext: ec})).get(t)
		re := ok(c.ReEncrypt(ctx(), &kms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, DestinationKeyId: k2.KeyId,
			SourceEncryptionContext: ec, DestinationEncryptionContext: map[string]string{"new": "ctx"}})).get(t)
		if aws.ToString(re.SourceKeyId) != aws.ToString(k.Arn) || aws.ToString(re.KeyId) != aws.ToString(k2.Arn) {
			t.Errorf("ReEncrypt: SourceKeyId %s KeyId %s", aws.ToString(re.SourceKeyId), aws.ToString(re.KeyId))
		}
		if re.SourceEncryptionAlgorithm != types.EncryptionAlgorithmSpecSymmetricDefault || re.DestinationEncryptionAlgorithm != types.EncryptionAlgorithmSpecSymmetricDefault {
			t.Errorf("ReEncrypt algorithms %s %s", re.SourceEncryptionAlgorithm, re.DestinationEncryptionAlgorithm)
		}
		dec := ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: re.CiphertextBlob, EncryptionContext: map[string]string{"new": "ctx"}})).get(t)
		if string(dec.Plaintext) != "move me" || aws.ToString(dec.KeyId) != aws.ToString(k2.Arn) {
			t.Errorf("Decrypt of re-encrypted = %q under %s", dec.Plaintext, aws.ToString(dec.KeyId))
		}
		// Same key, by alias, with SourceKeyId.
		ok(c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/re"), TargetKeyId: k.KeyId})).get(t)
		re2 := ok(c.ReEncrypt(ctx(), &kms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, SourceKeyId: k.KeyId,
			DestinationKeyId: aws.String("alias/re"), SourceEncryptionContext: ec})).get(t)
		dec = ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: re2.CiphertextBlob})).get(t)
		if string(dec.Plaintext) != "move me" {
			t.Errorf("Decrypt = %q", dec.Plaintext)
		}
		_, err := c.ReEncrypt(ctx(), &kms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, DestinationKeyId: k2.KeyId})
		wantCode(t, err, "InvalidCiphertextException") // context missing
	})

	t.Run("GenerateDataKey", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			in   kms.GenerateDataKeyInput
			size int
		}{
			{"AES_256", kms.GenerateDataKeyInput{KeySpec: types.DataKeySpecAes256}, 32},
			{"AES_128", kms.GenerateDataKeyInput{KeySpec: types.DataKeySpecAes128}, 16},
			{"bytes1", kms.GenerateDataKeyInput{NumberOfBytes: aws.Int32(1)}, 1},
			{"bytes64", kms.GenerateDataKeyInput{NumberOfBytes: aws.Int32(64)}, 64},
			{"bytes1024", kms.GenerateDataKeyInput{NumberOfBytes: aws.Int32(1024)}, 1024},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := tc.in
				in.KeyId = k.KeyId
				in.EncryptionContext = map[string]string{"dk": tc.name}
				out := ok(c.GenerateDataKey(ctx(), &in)).get(t)
				if len(out.Plaintext) != tc.size {
					t.Fatalf("Plaintext is %d bytes, want %d", len(out.Plaintext), tc.size)
				}
				if aws.ToString(out.KeyId) != aws.ToString(k.Arn) {
					t.Errorf("KeyId %s", aws.ToString(out.KeyId))
				}
				dec := ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob, EncryptionContext: in.EncryptionContext})).get(t)
				if !bytes.Equal(dec.Plaintext, out.Plaintext) {
					t.Error("decrypted data key differs")
				}
				wo := ok(c.GenerateDataKeyWithoutPlaintext(ctx(), &kms.GenerateDataKeyWithoutPlaintextInput{
					KeyId: k.KeyId, KeySpec: tc.in.KeySpec, NumberOfBytes: tc.in.NumberOfBytes, EncryptionContext: in.EncryptionContext})).get(t)
				if aws.ToString(wo.KeyId) != aws.ToString(k.Arn) || len(wo.CiphertextBlob) == 0 {
					t.Errorf("WithoutPlaintext: KeyId %s blob %d bytes", aws.ToString(wo.KeyId), len(wo.CiphertextBlob))
				}
				dec = ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: wo.CiphertextBlob, EncryptionContext: in.EncryptionContext})).get(t)
				if len(dec.Plaintext) != tc.size {
					t.Errorf("WithoutPlaintext blob decrypts to %d bytes, want %d", len(dec.Plaintext), tc.size)
				}
			})
		}
	})

	t.Run("GenerateRandom", func(t *testing.T) {
		for _, n := range []int32{1, 32, 1024} {
			out := ok(c.GenerateRandom(ctx(), &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(n)})).get(t)
			if len(out.Plaintext) != int(n) {
				t.Errorf("GenerateRandom(%d) gave %d bytes", n, len(out.Plaintext))
			}
		}
		a := ok(c.GenerateRandom(ctx(), &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(32)})).get(t)
		b := ok(c.GenerateRandom(ctx(), &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(32)})).get(t)
		if bytes.Equal(a.Plaintext, b.Plaintext) {
			t.Error("GenerateRandom repeats")
		}
	})

	t.Run("DryRun", func(t *testing.T) {
		enc := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("dry")})).get(t)
		cases := map[string]func() error{
			"Encrypt": func() error {
				_, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("x"), DryRun: aws.Bool(true)})
				return err
			},
			"Decrypt": func() error {
				_, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, DryRun: aws.Bool(true)})
				return err
			},
			"DecryptIgnoreCiphertext": func() error {
				_, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: []byte("junk"), KeyId: k.KeyId, DryRun: aws.Bool(true),
					DryRunModifiers: []types.DryRunModifierType{types.DryRunModifierTypeIgnoreCiphertext}})
				return err
			},
			"GenerateDataKey": func() error {
				_, err := c.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: k.KeyId, KeySpec: types.DataKeySpecAes256, DryRun: aws.Bool(true)})
				return err
			},
			"GenerateDataKeyWithoutPlaintext": func() error {
				_, err := c.GenerateDataKeyWithoutPlaintext(ctx(), &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: k.KeyId, KeySpec: types.DataKeySpecAes256, DryRun: aws.Bool(true)})
				return err
			},
			"ReEncrypt": func() error {
				_, err := c.ReEncrypt(ctx(), &kms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, DestinationKeyId: k2.KeyId, DryRun: aws.Bool(true)})
				return err
			},
		}
		for name, f := range cases {
			t.Run(name, func(t *testing.T) {
				var dr *types.DryRunOperationException
				if err := f(); !asErr(err, &dr) {
					t.Errorf("got %v, want DryRunOperationException", err)
				}
			})
		}
		// DryRun on a disabled key reports the real failure instead.
		k3 := createKey(t, c, "dry-disabled")
		ok(c.DisableKey(ctx(), &kms.DisableKeyInput{KeyId: k3.KeyId})).get(t)
		_, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: k3.KeyId, Plaintext: []byte("x"), DryRun: aws.Bool(true)})
		wantCode(t, err, "DisabledException")
	})
}

// TestTagsAndPolicies covers TagResource, UntagResource, ListResourceTags,
// GetKeyPolicy, PutKeyPolicy and ListKeyPolicies.
func TestTagsAndPolicies(t *testing.T) {
	e := start(t)
	c := e.client("")
	k := createKey(t, c, "tags")

	t.Run("Tags", func(t *testing.T) {
		ok(c.TagResource(ctx(), &kms.TagResourceInput{KeyId: k.KeyId, Tags: []types.Tag{
			{TagKey: aws.String("b"), TagValue: aws.String("2")},
			{TagKey: aws.String("a"), TagValue: aws.String("1")},
			{TagKey: aws.String("c"), TagValue: aws.String("3")},
		}})).get(t)
		// Replacing a value.
		ok(c.TagResource(ctx(), &kms.TagResourceInput{KeyId: k.Arn, Tags: []types.Tag{{TagKey: aws.String("a"), TagValue: aws.String("one")}}})).get(t)
		got := tagMap(t, c, k.KeyId)
		if len(got) != 3 || got["a"] != "one" || got["b"] != "2" || got["c"] != "3" {
			t.Errorf("tags = %v", got)
		}
		// Paginated.
		var keys []string
		p := kms.NewListResourceTagsPaginator(c, &kms.ListResourceTagsInput{KeyId: k.KeyId, Limit: aws.Int32(1)})
		for p.HasMorePages() {
			page := ok(p.NextPage(ctx())).get(t)
			for _, tg := range page.Tags {
				keys = append(keys, aws.ToString(tg.TagKey))
			}
		}
		if len(keys) != 3 {
			t.Errorf("paged tag keys %v", keys)
		}
		ok(c.UntagResource(ctx(), &kms.UntagResourceInput{KeyId: k.KeyId, TagKeys: []string{"b", "absent"}})).get(t)
		got = tagMap(t, c, k.KeyId)
		if len(got) != 2 || got["b"] != "" {
			t.Errorf("after untag: %v", got)
		}
	})

	t.Run("Policies", func(t *testing.T) {
		names := ok(c.ListKeyPolicies(ctx(), &kms.ListKeyPoliciesInput{KeyId: k.KeyId})).get(t)
		if !slices.Equal(names.PolicyNames, []string{"default"}) || names.Truncated {
			t.Errorf("ListKeyPolicies = %v truncated %v", names.PolicyNames, names.Truncated)
		}
		policy := `{"Version":"2012-10-17","Statement":[{"Sid":"Everything","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`
		ok(c.PutKeyPolicy(ctx(), &kms.PutKeyPolicyInput{KeyId: k.KeyId, Policy: aws.String(policy), PolicyName: aws.String("default")})).get(t)
		got := ok(c.GetKeyPolicy(ctx(), &kms.GetKeyPolicyInput{KeyId: k.KeyId, PolicyName: aws.String("default")})).get(t)
		if aws.ToString(got.Policy) != policy {
			t.Errorf("GetKeyPolicy = %s", aws.ToString(got.Policy))
		}
		if aws.ToString(got.PolicyName) != "default" {
			t.Errorf("PolicyName = %q", aws.ToString(got.PolicyName))
		}
		// PolicyName is optional (it defaults to "default").
		ok(c.PutKeyPolicy(ctx(), &kms.PutKeyPolicyInput{KeyId: k.KeyId, Policy: aws.String(policy)})).get(t)
		ok(c.GetKeyPolicy(ctx(), &kms.GetKeyPolicyInput{KeyId: k.KeyId})).get(t)
		// The key still works under its new policy.
		ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("ok")})).get(t)
	})
}

func tagMap(t *testing.T, c *kms.Client, keyID *string) map[string]string {
	t.Helper()
	out := ok(c.ListResourceTags(ctx(), &kms.ListResourceTagsInput{KeyId: keyID})).get(t)
	m := map[string]string{}
	for _, tg := range out.Tags {
		m[aws.ToString(tg.TagKey)] = aws.ToString(tg.TagValue)
	}
	return m
}

// TestRotationAPI covers EnableKeyRotation, GetKeyRotationStatus,
// DisableKeyRotation, RotateKeyOnDemand and ListKeyRotations.
func TestRotationAPI(t *testing.T) {
	e := start(t)
	c := e.client("")
	k := createKey(t, c, "rotating")

	st := ok(c.GetKeyRotationStatus(ctx(), &kms.GetKeyRotationStatusInput{KeyId: k.KeyId})).get(t)
	if st.KeyRotationEnabled || st.NextRotationDate != nil {
		t.Errorf("new key: rotation %v next %v", st.KeyRotationEnabled, st.NextRotationDate)
	}

	t.Run("EnableDefaultPeriod", func(t *testing.T) {
		now := e.clock.Now()
		ok(c.EnableKeyRotation(ctx(), &kms.EnableKeyRotationInput{KeyId: k.KeyId})).get(t)
		st := ok(c.GetKeyRotationStatus(ctx(), &kms.GetKeyRotationStatusInput{KeyId: k.KeyId})).get(t)
		if !st.KeyRotationEnabled || aws.ToInt32(st.RotationPeriodInDays) != 365 {
			t.Errorf("enabled %v period %d", st.KeyRotationEnabled, aws.ToInt32(st.RotationPeriodInDays))
		}
		if st.NextRotationDate == nil || st.NextRotationDate.Sub(now.Add(365*24*time.Hour)).Abs() > 2*time.Second {
			t.Errorf("NextRotationDate %v", st.NextRotationDate)
		}
		if aws.ToString(st.KeyId) != aws.ToString(k.Arn) {
			t.Errorf("KeyId %s", aws.ToString(st.KeyId))
		}
	})

	t.Run("EnableWithPeriod", func(t *testing.T) {
		for _, days := range []int32{90, 180, 2560} {
			ok(c.EnableKeyRotation(ctx(), &kms.EnableKeyRotationInput{KeyId: k.KeyId, RotationPeriodInDays: aws.Int32(days)})).get(t)
			st := ok(c.GetKeyRotationStatus(ctx(), &kms.GetKeyRotationStatusInput{KeyId: k.KeyId})).get(t)
			if !st.KeyRotationEnabled || aws.ToInt32(st.RotationPeriodInDays) != days {
				t.Errorf("period %d: enabled %v period %d", days, st.KeyRotationEnabled, aws.ToInt32(st.RotationPeriodInDays))
			}
		}
	})

	t.Run("Disable", func(t *testing.T) {
		ok(c.DisableKeyRotation(ctx(), &kms.DisableKeyRotationInput{KeyId: k.KeyId})).get(t)
		st := ok(c.GetKeyRotationStatus(ctx(), &kms.GetKeyRotationStatusInput{KeyId: k.KeyId})).get(t)
		if st.KeyRotationEnabled {
			t.Error("still enabled")
		}
	})

	t.Run("OnDemand", func(t *testing.T) {
		rots := ok(c.ListKeyRotations(ctx(), &kms.ListKeyRotationsInput{KeyId: k.KeyId})).get(t)
		if len(rots.Rotations) != 0 || rots.Truncated {
			t.Errorf("new key has rotations %v", rots.Rotations)
		}
		before := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("before")})).get(t)
		out := ok(c.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: k.KeyId})).get(t)
		if aws.ToString(out.KeyId) != aws.ToString(k.Arn) {
			t.Errorf("RotateKeyOnDemand KeyId %s", aws.ToString(out.KeyId))
		}
		after := ok(c.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("after")})).get(t)
		for want, blob := range map[string][]byte{"before": before.CiphertextBlob, "after": after.CiphertextBlob} {
			dec := ok(c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob})).get(t)
			if string(dec.Plaintext) != want {
				t.Errorf("Decrypt = %q, want %q", dec.Plaintext, want)
			}
		}
		rots = ok(c.ListKeyRotations(ctx(), &kms.ListKeyRotationsInput{KeyId: k.KeyId})).get(t)
		if len(rots.Rotations) != 1 {
			t.Fatalf("ListKeyRotations: %d rotations, want 1", len(rots.Rotations))
		}
		r := rots.Rotations[0]
		if r.RotationType != types.RotationTypeOnDemand || aws.ToString(r.KeyId) != aws.ToString(k.Arn) || r.RotationDate == nil {
			t.Errorf("rotation %+v", r)
		}
		if r.KeyMaterialState != types.KeyMaterialStateCurrent {
			t.Errorf("KeyMaterialState %s, want CURRENT", r.KeyMaterialState)
		}
		all := ok(c.ListKeyRotations(ctx(), &kms.ListKeyRotationsInput{KeyId: k.KeyId, IncludeKeyMaterial: types.IncludeKeyMaterialAllKeyMaterial})).get(t)
		if len(all.Rotations) != 2 || all.Rotations[0].KeyMaterialState != types.KeyMaterialStateNonCurrent {
			t.Errorf("ALL_KEY_MATERIAL: %+v", all.Rotations)
		}
		// The DescribeKey material id follows the current material.
		d := ok(c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: k.KeyId})).get(t).KeyMetadata
		if aws.ToString(d.CurrentKeyMaterialId) != aws.ToString(r.KeyMaterialId) {
			t.Errorf("CurrentKeyMaterialId %s, rotation's %s", aws.ToString(d.CurrentKeyMaterialId), aws.ToString(r.KeyMaterialId))
		}
		// ListKeyRotations paginates.
		ok(c.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: k.KeyId})).get(t)
		ok(c.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: k.KeyId})).get(t)
		n := 0
		p := kms.NewListKeyRotationsPaginator(c, &kms.ListKeyRotationsInput{KeyId: k.KeyId, Limit: aws.Int32(1)})
		for p.HasMorePages() {
			n += len(ok(p.NextPage(ctx())).get(t).Rotations)
		}
		if n != 3 {
			t.Errorf("paged rotations: %d, want 3", n)
		}
	})
}
