package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/coffer-kms/coffer/internal/app"
	"github.com/coffer-kms/coffer/internal/arn"
	"github.com/coffer-kms/coffer/internal/authz"
	"github.com/coffer-kms/coffer/internal/kms"
	"github.com/coffer-kms/coffer/internal/store"
)

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// policyCmd is `coffer policy explain ...`.
func policyCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "explain" {
		return errors.New("usage: coffer policy explain --principal ARN --action kms:Encrypt --resource ARN [--context k=v ...] [--condition key=value ...]")
	}
	fs := flag.NewFlagSet("policy explain", flag.ContinueOnError)
	dataDir := fs.String("data-dir", envOr("COFFER_DATA_DIR", "./coffer-data"), "data directory (COFFER_DATA_DIR)")
	storeURL := fs.String("store", envOr("COFFER_STORE", ""), "metadata store: empty for SQLite in the data dir, or postgres://...")
	principal := fs.String("principal", "", "the caller: arn:aws:iam::ACCT:root, arn:aws:iam::ACCT:user/NAME or arn:aws:sts::ACCT:assumed-role/ROLE/SESSION")
	action := fs.String("action", "", "the action, e.g. kms:Encrypt")
	resource := fs.String("resource", "*", "a key ARN, or * for account-level actions such as kms:CreateKey")
	region := fs.String("region", "", "the request's region (default: the key ARN's, else us-east-1)")
	var encCtx, conds listFlag
	fs.Var(&encCtx, "context", "an encryption context pair k=v (repeatable)")
	fs.Var(&conds, "condition", "another condition key and value, e.g. aws:SourceIp=10.0.0.1 (repeatable)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *principal == "" || *action == "" {
		return errors.New("policy explain: --principal and --action are required")
	}
	st, err := app.OpenStore(ctx, *dataDir, *storeURL)
	if err != nil {
		return err
	}
	defer st.Close()
	r := &kms.AuthzRequest{Action: *action, Resource: *resource, EncryptionContext: map[string]string{}, Context: map[string][]string{}}
	reg := *region
	if *resource != "*" {
		a, err := arn.Parse(*resource)
		if err != nil || a.Service != "kms" || !strings.HasPrefix(a.Resource, "key/") {
			return fmt.Errorf("--resource %q: want a KMS key ARN or *", *resource)
		}
		if reg == "" {
			reg = a.Region
		}
		k, err := st.GetKey(ctx, store.KeyRef{Account: a.Account, Region: a.Region, KeyID: strings.TrimPrefix(a.Resource, "key/")})
		if err != nil {
			return fmt.Errorf("key %s: %w", *resource, err)
		}
		r.Key = &k
	}
	if reg == "" {
		reg = "us-east-1"
	}
	if r.Caller, err = authz.CallerFromARN(*principal, reg); err != nil {
		return err
	}
	for _, kv := range encCtx {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("--context %q: want k=v", kv)
		}
		r.EncryptionContext[k] = v
	}
	for _, kv := range conds {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("--condition %q: want key=value", kv)
		}
		r.Context[k] = append(r.Context[k], v)
	}
	a := authz.New(st, nil)
	defer a.Close()
	_, err = a.Explain(ctx, stdout, r)
	return err
}

// keyPolicyCmd is `coffer admin key-policy`: the console's default key
// policy for the given key administrators and users.
func keyPolicyCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("admin key-policy", flag.ContinueOnError)
	account := fs.String("account", "111122223333", "the key's account")
	spec := fs.String("key-spec", "SYMMETRIC_DEFAULT", "the key spec (chooses the key users' actions)")
	usage := fs.String("key-usage", "ENCRYPT_DECRYPT", "the key usage")
	var admins, users listFlag
	fs.Var(&admins, "admin", "a key administrator's ARN (repeatable)")
	fs.Var(&users, "user", "a key user's ARN (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	doc, err := kms.ConsoleKeyPolicy(kms.ConsoleKeyPolicyInput{Account: *account, Admins: admins, Users: users, KeySpec: *spec, KeyUsage: *usage})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, doc)
	return nil
}

// envOr returns the environment variable name, or def when it is unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}
