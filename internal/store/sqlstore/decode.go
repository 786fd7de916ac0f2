package sqlstore

import (
	"time"

	"github.com/coffer-kms/coffer/internal/store"
)

// TimeColumn is the constraint on a dialect's scan destination for a
// nullable time column (SQLite: unix microseconds; PostgreSQL:
// timestamptz): rows are scanned into a *T, and Time returns the value in
// UTC, the zero time for NULL.
type TimeColumn[T any] interface {
	*T
	Time() time.Time
}

// Decoder decodes rows of the store's tables into store types, scanning
// time columns into T. Its zero value is ready to use. The column lists
// each method expects are named in its comment; every dialect selects them
// in that order.
type Decoder[T any, PT TimeColumn[T]] struct{}

// Account decodes id, name, created_at.
func (Decoder[T, PT]) Account(sc Scanner) (store.Account, error) {
	var a store.Account
	var created T
	if err := sc.Scan(&a.ID, &a.Name, PT(&created)); err != nil {
		return store.Account{}, err
	}
	a.CreatedAt = PT(&created).Time()
	return a, nil
}

// Column lists, in the order the decoders below scan them. They are plain
// column names, the same in every dialect.
const (
	AccessKeyCols = `access_key_id, account, principal_arn, user_id, wrapped_secret, status, created_at,
	user_name, role_name, wrapped_session_token, expiration`
	// KeyBody is the key columns after the ref (account, region, key_id).
	KeyBody = `creation_date, description, key_spec, key_usage, origin, key_manager,
	multi_region, state, deletion_date, pending_window_days, policy,
	rotation_enabled, rotation_period_days, next_rotation, current_version,
	on_demand_rotations, attrs, material_expires`
	// The IAM tables' columns after account.
	UserCols   = `name, user_id, path, created_at, tags`
	GroupCols  = `name, group_id, path, created_at`
	RoleCols   = `name, role_id, path, assume_role_policy, description, max_session_duration, created_at, tags`
	PolicyCols = `name, policy_id, path, description, default_version, created_at, updated_at`
	GrantCols  = `account, region, key_id, grant_id, name, grantee_principal, retiring_principal,
	issuing_account, operations, grant_constraints, created_at`
)

// The hot single-row reads (GetKey, GetAccessKey, GetMaterial, GetAlias)
// use the XxxScan types directly rather than a Decoder, so as to call the
// driver's own Scan method: through the Scanner interface the scan
// destinations would escape to the heap. The pattern is
//
//	var s KeyScan[T, PT]
//	var buf [18]any
//	err := row.Scan(s.Dest(&k, buf[:0])...)
//	s.Finish(&k)

// AccessKeyScan holds the AccessKeyCols columns that need converting.
type AccessKeyScan[T any, PT TimeColumn[T]] struct {
	created, expiration T
}

// Dest appends to d the destinations of the AccessKeyCols columns into k
// and s.
func (s *AccessKeyScan[T, PT]) Dest(k *store.AccessKey, d []any) []any {
	return append(d, &k.AccessKeyID, &k.Account, &k.PrincipalARN, &k.UserID, &k.WrappedSecret, &k.Status,
		PT(&s.created), &k.UserName, &k.RoleName, &k.WrappedSessionToken, PT(&s.expiration))
}

// Finish converts into k what Scan wrote into s. An empty
// WrappedSessionToken becomes nil.
func (s *AccessKeyScan[T, PT]) Finish(k *store.AccessKey) {
	k.CreatedAt = PT(&s.created).Time()
	k.Expiration = PT(&s.expiration).Time()
	if len(k.WrappedSessionToken) == 0 {
		k.WrappedSessionToken = nil
	}
}

// AccessKey decodes an AccessKeyCols row.
func (Decoder[T, PT]) AccessKey(sc Scanner) (store.AccessKey, error) {
	var k store.AccessKey
	var s AccessKeyScan[T, PT]
	var buf [11]any
	if err := sc.Scan(s.Dest(&k, buf[:0])...); err != nil {
		return store.AccessKey{}, err
	}
	s.Finish(&k)
	return k, nil
}

// KeyScan holds the KeyBody columns that need converting.
type KeyScan[T any, PT TimeColumn[T]] struct {
	created, deletion, next, expires  T
	window, period, version, onDemand int64
}

// Dest appends to d the destinations of the KeyBody columns into k and s.
func (s *KeyScan[T, PT]) Dest(k *store.Key, d []any) []any {
	return append(d, PT(&s.created), &k.Description, &k.KeySpec, &k.KeyUsage, &k.Origin, &k.KeyManager,
		&k.MultiRegion, &k.State, PT(&s.deletion), &s.window, &k.Policy,
		&k.RotationEnabled, &s.period, PT(&s.next), &s.version,
		&s.onDemand, &k.Attrs, PT(&s.expires))
}

// Finish converts into k what Scan wrote into s.
func (s *KeyScan[T, PT]) Finish(k *store.Key) {
	k.CreationDate = PT(&s.created).Time()
	k.DeletionDate = PT(&s.deletion).Time()
	k.NextRotation = PT(&s.next).Time()
	k.MaterialExpires = PT(&s.expires).Time()
	k.PendingWindowDays = int(s.window)
	k.RotationPeriodDays = int(s.period)
	k.CurrentVersion = uint32(s.version)
	k.OnDemandRotations = int(s.onDemand)
}

// KeyWithRef decodes account, region, key_id and the KeyBody columns.
func (Decoder[T, PT]) KeyWithRef(sc Scanner) (store.Key, error) {
	var k store.Key
	var s KeyScan[T, PT]
	var buf [21]any
	d := append(buf[:0], &k.Ref.Account, &k.Ref.Region, &k.Ref.KeyID)
	if err := sc.Scan(s.Dest(&k, d)...); err != nil {
		return store.Key{}, err
	}
	s.Finish(&k)
	return k, nil
}

// MaterialScan holds the columns material_id, wrapped, created_at,
// rotation_type that need converting.
type MaterialScan[T any, PT TimeColumn[T]] struct {
	created T
}

// Dest appends to d the destinations of material_id, wrapped, created_at,
// rotation_type into m and s.
func (s *MaterialScan[T, PT]) Dest(m *store.Material, d []any) []any {
	return append(d, &m.MaterialID, &m.Wrapped, PT(&s.created), &m.RotationType)
}

// Finish converts into m what Scan wrote into s.
func (s *MaterialScan[T, PT]) Finish(m *store.Material) {
	m.CreatedAt = PT(&s.created).Time()
}

// Materials returns a decoder of version, material_id, wrapped,
// created_at, rotation_type rows of the key ref.
func (Decoder[T, PT]) Materials(ref store.KeyRef) func(Scanner) (store.Material, error) {
	return func(sc Scanner) (store.Material, error) {
		m := store.Material{Ref: ref}
		var version int64
		var s MaterialScan[T, PT]
		var buf [5]any
		if err := sc.Scan(s.Dest(&m, append(buf[:0], &version))...); err != nil {
			return store.Material{}, err
		}
		m.Version = uint32(version)
		s.Finish(&m)
		return m, nil
	}
}

// AliasScan holds the columns target_key_id, created_at, updated_at that
// need converting.
type AliasScan[T any, PT TimeColumn[T]] struct {
	created, updated T
}

// Dest appends to d the destinations of target_key_id, created_at,
// updated_at into a and s.
func (s *AliasScan[T, PT]) Dest(a *store.Alias, d []any) []any {
	return append(d, &a.TargetKeyID, PT(&s.created), PT(&s.updated))
}

// Finish converts into a what Scan wrote into s.
func (s *AliasScan[T, PT]) Finish(a *store.Alias) {
	a.CreatedAt = PT(&s.created).Time()
	a.UpdatedAt = PT(&s.updated).Time()
}

// Aliases returns a decoder of name, target_key_id, created_at, updated_at
// rows of account and region.
func (Decoder[T, PT]) Aliases(account, region string) func(Scanner) (store.Alias, error) {
	return func(sc Scanner) (store.Alias, error) {
		a := store.Alias{Account: account, Region: region}
		var s AliasScan[T, PT]
		var buf [4]any
		if err := sc.Scan(s.Dest(&a, append(buf[:0], &a.Name))...); err != nil {
			return store.Alias{}, err
		}
		s.Finish(&a)
		return a, nil
	}
}

// Tag decodes tag_key, tag_value.
func (Decoder[T, PT]) Tag(sc Scanner) (store.Tag, error) {
	var t store.Tag
	if err := sc.Scan(&t.Key, &t.Value); err != nil {
		return store.Tag{}, err
	}
	return t, nil
}

// User returns a decoder of UserCols rows of account.
func (Decoder[T, PT]) User(account string) func(Scanner) (store.User, error) {
	return func(sc Scanner) (store.User, error) {
		u := store.User{Account: account}
		var created T
		var tags string
		if err := sc.Scan(&u.Name, &u.UserID, &u.Path, PT(&created), &tags); err != nil {
			return store.User{}, err
		}
		u.CreatedAt = PT(&created).Time()
		var err error
		u.Tags, err = parseTags(tags)
		return u, err
	}
}

// Group returns a decoder of GroupCols rows of account.
func (Decoder[T, PT]) Group(account string) func(Scanner) (store.Group, error) {
	return func(sc Scanner) (store.Group, error) {
		g := store.Group{Account: account}
		var created T
		if err := sc.Scan(&g.Name, &g.GroupID, &g.Path, PT(&created)); err != nil {
			return store.Group{}, err
		}
		g.CreatedAt = PT(&created).Time()
		return g, nil
	}
}

// Role returns a decoder of RoleCols rows of account.
func (Decoder[T, PT]) Role(account string) func(Scanner) (store.Role, error) {
	return func(sc Scanner) (store.Role, error) {
		ro := store.Role{Account: account}
		var created T
		var maxSession int64
		var tags string
		if err := sc.Scan(&ro.Name, &ro.RoleID, &ro.Path, &ro.AssumeRolePolicy, &ro.Description,
			&maxSession, PT(&created), &tags); err != nil {
			return store.Role{}, err
		}
		ro.MaxSessionDuration = int(maxSession)
		ro.CreatedAt = PT(&created).Time()
		var err error
		ro.Tags, err = parseTags(tags)
		return ro, err
	}
}

// InlinePolicy returns a decoder of principal, name, document rows of
// account and kind.
func (Decoder[T, PT]) InlinePolicy(account string, kind store.PrincipalKind) func(Scanner) (store.InlinePolicy, error) {
	return func(sc Scanner) (store.InlinePolicy, error) {
		p := store.InlinePolicy{Account: account, Kind: kind}
		if err := sc.Scan(&p.Principal, &p.Name, &p.Document); err != nil {
			return store.InlinePolicy{}, err
		}
		return p, nil
	}
}

// ManagedPolicy returns a decoder of PolicyCols rows of account.
func (Decoder[T, PT]) ManagedPolicy(account string) func(Scanner) (store.ManagedPolicy, error) {
	return func(sc Scanner) (store.ManagedPolicy, error) {
		p := store.ManagedPolicy{Account: account}
		var created, updated T
		if err := sc.Scan(&p.Name, &p.PolicyID, &p.Path, &p.Description, &p.DefaultVersion,
			PT(&created), PT(&updated)); err != nil {
			return store.ManagedPolicy{}, err
		}
		p.CreatedAt = PT(&created).Time()
		p.UpdatedAt = PT(&updated).Time()
		return p, nil
	}
}

// PolicyVersion returns a decoder of policy_name, version_id, document,
// created_at rows of account.
func (Decoder[T, PT]) PolicyVersion(account string) func(Scanner) (store.PolicyVersion, error) {
	return func(sc Scanner) (store.PolicyVersion, error) {
		v := store.PolicyVersion{Account: account}
		var created T
		if err := sc.Scan(&v.PolicyName, &v.VersionID, &v.Document, PT(&created)); err != nil {
			return store.PolicyVersion{}, err
		}
		v.CreatedAt = PT(&created).Time()
		return v, nil
	}
}

// Attachment returns a decoder of kind, principal, policy_arn rows of
// account.
func (Decoder[T, PT]) Attachment(account string) func(Scanner) (store.Attachment, error) {
	return func(sc Scanner) (store.Attachment, error) {
		a := store.Attachment{Account: account}
		var kind string
		if err := sc.Scan(&kind, &a.Principal, &a.PolicyARN); err != nil {
			return store.Attachment{}, err
		}
		a.Kind = store.PrincipalKind(kind)
		return a, nil
	}
}

// Grant decodes a GrantCols row. No operations decode as nil.
func (Decoder[T, PT]) Grant(sc Scanner) (store.Grant, error) {
	var g store.Grant
	var ops string
	var created T
	if err := sc.Scan(&g.Ref.Account, &g.Ref.Region, &g.Ref.KeyID, &g.GrantID, &g.Name, &g.GranteePrincipal,
		&g.RetiringPrincipal, &g.IssuingAccount, &ops, &g.Constraints, PT(&created)); err != nil {
		return store.Grant{}, err
	}
	g.CreatedAt = PT(&created).Time()
	var err error
	g.Operations, err = parseOps(ops)
	return g, err
}
