package policy

import (
	"bytes"
	"encoding/base64"
	"errors"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// SetOperator is the qualifier of a condition operator for multi-valued keys.
type SetOperator uint8

// Set operators.
const (
	// NoSet: no qualifier.
	NoSet SetOperator = iota
	// ForAnyValue: at least one request value must satisfy the operator;
	// false when the key is absent.
	ForAnyValue
	// ForAllValues: every request value must satisfy the operator; true
	// when the key is absent.
	ForAllValues
)

// Operator is a parsed condition operator such as
// "ForAnyValue:StringLikeIfExists".
type Operator struct {
	// Name is the base operator, such as "StringLike".
	Name string
	// Set is the ForAnyValue:/ForAllValues: qualifier.
	Set SetOperator
	// IfExists is the ...IfExists suffix.
	IfExists bool

	info opInfo
}

// String formats the operator as written in a policy.
func (o Operator) String() string {
	s := o.Name
	if o.IfExists {
		s += "IfExists"
	}
	switch o.Set {
	case ForAnyValue:
		s = "ForAnyValue:" + s
	case ForAllValues:
		s = "ForAllValues:" + s
	}
	return s
}

type family uint8

const (
	famString family = iota + 1
	famNumeric
	famDate
	famBool
	famBinary
	famIP
	famARN
	famNull
)

type cmpKind uint8

const (
	cmpEq cmpKind = iota
	cmpFold
	cmpLike
	cmpLT
	cmpLE
	cmpGT
	cmpGE
)

type opInfo struct {
	fam     family
	cmp     cmpKind
	negated bool
}

// operators lists every condition operator of the IAM User Guide
// ("IAM JSON policy elements: Condition operators").
var operators = map[string]opInfo{
	"StringEquals":              {famString, cmpEq, false},
	"StringNotEquals":           {famString, cmpEq, true},
	"StringEqualsIgnoreCase":    {famString, cmpFold, false},
	"StringNotEqualsIgnoreCase": {famString, cmpFold, true},
	"StringLike":                {famString, cmpLike, false},
	"StringNotLike":             {famString, cmpLike, true},
	"NumericEquals":             {famNumeric, cmpEq, false},
	"NumericNotEquals":          {famNumeric, cmpEq, true},
	"NumericLessThan":           {famNumeric, cmpLT, false},
	"NumericLessThanEquals":     {famNumeric, cmpLE, false},
	"NumericGreaterThan":        {famNumeric, cmpGT, false},
	"NumericGreaterThanEquals":  {famNumeric, cmpGE, false},
	"DateEquals":                {famDate, cmpEq, false},
	"DateNotEquals":             {famDate, cmpEq, true},
	"DateLessThan":              {famDate, cmpLT, false},
	"DateLessThanEquals":        {famDate, cmpLE, false},
	"DateGreaterThan":           {famDate, cmpGT, false},
	"DateGreaterThanEquals":     {famDate, cmpGE, false},
	"Bool":                      {famBool, cmpEq, false},
	"BinaryEquals":              {famBinary, cmpEq, false},
	"IpAddress":                 {famIP, cmpEq, false},
	"NotIpAddress":              {famIP, cmpEq, true},
	"ArnEquals":                 {famARN, cmpLike, false},
	"ArnNotEquals":              {famARN, cmpLike, true},
	"ArnLike":                   {famARN, cmpLike, false},
	"ArnNotLike":                {famARN, cmpLike, true},
	"Null":                      {famNull, cmpEq, false},
}

// ParseOperator parses a condition operator name such as
// "ForAllValues:StringEqualsIfExists". It is case-sensitive, as AWS is.
func ParseOperator(s string) (Operator, error) {
	var op Operator
	name := s
	if rest, ok := strings.CutPrefix(name, "ForAnyValue:"); ok {
		op.Set, name = ForAnyValue, rest
	} else if rest, ok := strings.CutPrefix(name, "ForAllValues:"); ok {
		op.Set, name = ForAllValues, rest
	}
	if base, ok := strings.CutSuffix(name, "IfExists"); ok {
		if _, known := operators[base]; known {
			if base == "Null" {
				return Operator{}, malformed("condition operator Null cannot take IfExists")
			}
			op.IfExists, name = true, base
		}
	}
	info, ok := operators[name]
	if !ok {
		hint := ""
		for k := range operators {
			if strings.EqualFold(k, name) || strings.EqualFold(k+"IfExists", name) {
				hint = " (operator names are case-sensitive: did you mean " + k + "?)"
			}
		}
		if hint == "" && strings.Contains(name, ":") {
			hint = " (the only qualifiers are ForAnyValue: and ForAllValues:)"
		}
		return Operator{}, malformed("unknown condition operator %s%s", s, hint)
	}
	op.Name, op.info = name, info
	return op, nil
}

// Condition is one operator/key entry of a statement's Condition block,
// for example StringEquals with key kms:EncryptionContext:Department and
// values ["IT"]. The key matches if any value matches (OR); the entries of
// a block must all match (AND).
type Condition struct {
	// Operator is the parsed operator.
	Operator Operator
	// Key is the condition key as written; it is compared
	// case-insensitively.
	Key string
	// Values as written; JSON numbers and booleans are kept in their
	// string form.
	Values []string

	key     string      // lowercased Key
	vals    []condValue // compiled Values
	dynamic bool        // some value holds a policy variable
}

type condValue struct {
	t    template
	num  float64
	date int64 // Unix nanoseconds, see parseDate
	pfx  netip.Prefix
	bin  []byte
	like string // the pattern for matchARN/match when static
}

func parseCondition(where string, v any, vars bool) ([]Condition, error) {
	block, ok := v.(object)
	if !ok {
		return nil, malformed("%s: Condition must be an object, not %s", where, describe(v))
	}
	var out []Condition
	for _, om := range block {
		op, err := ParseOperator(om.name)
		if err != nil {
			return nil, malformed("%s: %s", where, err.(*MalformedError).Reason)
		}
		keys, ok := om.val.(object)
		if !ok {
			return nil, malformed("%s: Condition %s must be an object of condition keys, not %s", where, om.name, describe(om.val))
		}
		if len(keys) == 0 {
			return nil, malformed("%s: Condition %s has no condition keys", where, om.name)
		}
		for _, km := range keys {
			c := Condition{Operator: op, Key: km.name, key: strings.ToLower(km.name)}
			if km.name == "" || strings.ContainsAny(km.name, " \t\r\n") {
				return nil, malformed("%s: Condition %s has an invalid condition key %q", where, om.name, km.name)
			}
			var raw []any
			switch t := km.val.(type) {
			case []any:
				if len(t) == 0 {
					return nil, malformed("%s: Condition %s key %s has an empty list of values", where, om.name, km.name)
				}
				raw = t
			default:
				raw = []any{t}
			}
			for _, rv := range raw {
				s, ok := scalarString(rv)
				if !ok {
					return nil, malformed("%s: Condition %s key %s values must be strings, numbers or booleans, not %s", where, om.name, km.name, describe(rv))
				}
				cv, err := compileValue(op.info.fam, s, vars)
				if err != nil {
					return nil, malformed("%s: Condition %s value %q for key %s %v", where, om.name, s, km.name, err)
				}
				if !cv.t.static() {
					c.dynamic = true
				}
				c.Values = append(c.Values, s)
				c.vals = append(c.vals, cv)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func compileValue(fam family, s string, vars bool) (condValue, error) {
	if fam == famNull {
		if !strings.EqualFold(s, "true") && !strings.EqualFold(s, "false") {
			return condValue{}, errors.New("must be true or false")
		}
		return condValue{t: template{raw: strings.ToLower(s)}}, nil
	}
	t, err := compileTemplate(s, vars)
	if err != nil {
		return condValue{}, err
	}
	if !t.static() {
		return condValue{t: t}, nil
	}
	return typedValue(fam, t, s)
}

// typedValue parses s (a static value, or a resolved one) for its family.
func typedValue(fam family, t template, s string) (condValue, error) {
	cv := condValue{t: t, like: s}
	var err error
	switch fam {
	case famNumeric:
		cv.num, err = parseNumber(s)
	case famDate:
		cv.date, err = parseDate(s)
	case famBool:
		if !strings.EqualFold(s, "true") && !strings.EqualFold(s, "false") {
			err = errors.New("must be true or false")
		}
	case famBinary:
		cv.bin, err = decodeBase64(s)
	case famIP:
		cv.pfx, err = parsePrefix(s)
	}
	return cv, err
}

func parseNumber(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errors.New("is not a number")
	}
	return f, nil
}

var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
	"20060102T150405Z0700",
	"20060102T150405Z",
	"20060102",
}

// parseDate accepts ISO 8601 (W3C profile and basic format; UTC when no
// zone is given) and epoch seconds (integer or decimal). It returns Unix
// nanoseconds; dates outside the years 1678..2262 saturate.
func parseDate(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s != "" && (s[0] >= '0' && s[0] <= '9' || s[0] == '-') && strings.Trim(s, "0123456789.-") == "" {
		f, err := strconv.ParseFloat(s, 64)
		if err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) && !strings.Contains(s[1:], "-") {
			return clampNanos(f * 1e9), nil
		}
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return unixNanos(t), nil
		}
	}
	return 0, errors.New("is not an ISO 8601 date or epoch seconds")
}

func clampNanos(f float64) int64 {
	if f >= math.MaxInt64 {
		return math.MaxInt64
	}
	if f <= math.MinInt64 {
		return math.MinInt64
	}
	return int64(f)
}

func unixNanos(t time.Time) int64 {
	sec := t.Unix()
	if sec > math.MaxInt64/int64(time.Second) {
		return math.MaxInt64
	}
	if sec < math.MinInt64/int64(time.Second) {
		return math.MinInt64
	}
	return sec*int64(time.Second) + int64(t.Nanosecond())
}

func decodeBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("is not base64")
}

func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, errors.New("is not an IP address or CIDR block")
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), max(p.Bits()-96, 0))
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, errors.New("is not an IP address or CIDR block")
	}
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// eval reports whether the condition holds for ctx. The rules are those of
// the IAM User Guide ("Condition operators", "Set operators for multivalued
// context keys"); see docs/policy.md.
func (c *Condition) eval(ctx Context) bool {
	req := ctx[c.key]
	present := len(req) > 0
	info := c.Operator.info
	if info.fam == famNull {
		// Null: true means the key must be absent; values OR together.
		for i := range c.vals {
			if (c.vals[i].t.raw == "true") != present {
				return true
			}
		}
		return false
	}
	if !present {
		switch {
		case c.Operator.IfExists, c.Operator.Set == ForAllValues:
			return true
		case c.Operator.Set == ForAnyValue:
			return false
		}
		return info.negated
	}
	vals := c.vals
	if c.dynamic {
		var ok bool
		vals, ok = c.resolve(ctx)
		if !ok && info.negated {
			// An unresolved variable in a negated operator would make it
			// match everything: the condition fails instead.
			return false
		}
	}
	switch c.Operator.Set {
	case ForAnyValue:
		for _, r := range req {
			if c.matchAny(r, vals) != info.negated {
				return true
			}
		}
		return false
	case ForAllValues:
		for _, r := range req {
			if c.matchAny(r, vals) == info.negated {
				return false
			}
		}
		return true
	}
	// No qualifier: a multi-valued key matches if any of its values does.
	for _, r := range req {
		if c.matchAny(r, vals) {
			return !info.negated
		}
	}
	return info.negated
}

// resolve substitutes policy variables; values that do not resolve are
// dropped, and ok is false if any was.
func (c *Condition) resolve(ctx Context) ([]condValue, bool) {
	out := make([]condValue, 0, len(c.vals))
	ok := true
	pattern := c.Operator.info.cmp == cmpLike
	for _, v := range c.vals {
		if v.t.static() {
			out = append(out, v)
			continue
		}
		s, resolved := v.t.resolve(ctx, pattern)
		if !resolved {
			ok = false
			continue
		}
		tv, err := typedValue(c.Operator.info.fam, v.t, s)
		if err != nil {
			ok = false
			continue
		}
		out = append(out, tv)
	}
	return out, ok
}

// matchAny reports whether the request value r matches any of vals under
// the positive form of the operator.
func (c *Condition) matchAny(r string, vals []condValue) bool {
	info := c.Operator.info
	switch info.fam {
	case famString:
		for i := range vals {
			v := &vals[i]
			switch info.cmp {
			case cmpEq:
				if r == v.like {
					return true
				}
			case cmpFold:
				if strings.EqualFold(r, v.like) {
					return true
				}
			case cmpLike:
				if match(v.like, r, false, !v.t.static()) {
					return true
				}
			}
		}
	case famARN:
		for i := range vals {
			if matchARN(vals[i].like, r, !vals[i].t.static()) {
				return true
			}
		}
	case famBool:
		for i := range vals {
			if strings.EqualFold(r, vals[i].like) {
				return true
			}
		}
	case famNumeric:
		f, err := parseNumber(r)
		if err != nil {
			return false
		}
		for i := range vals {
			if compare(f < vals[i].num, f == vals[i].num, info.cmp) {
				return true
			}
		}
	case famDate:
		d, err := parseDate(r)
		if err != nil {
			return false
		}
		for i := range vals {
			if compare(d < vals[i].date, d == vals[i].date, info.cmp) {
				return true
			}
		}
	case famBinary:
		b, err := decodeBase64(r)
		if err != nil {
			return false
		}
		for i := range vals {
			if bytes.Equal(b, vals[i].bin) {
				return true
			}
		}
	case famIP:
		a, err := netip.ParseAddr(strings.TrimSpace(r))
		if err != nil {
			return false
		}
		a = a.Unmap().WithZone("")
		for i := range vals {
			if vals[i].pfx.Contains(a) {
				return true
			}
		}
	}
	return false
}

func compare(less, equal bool, cmp cmpKind) bool {
	switch cmp {
	case cmpEq:
		return equal
	case cmpLT:
		return less
	case cmpLE:
		return less || equal
	case cmpGT:
		return !less && !equal
	case cmpGE:
		return !less
	}
	return false
}
