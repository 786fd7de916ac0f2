package iam

import (
	"encoding/base64"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/coffer-kms/coffer/internal/store"
)

// Input constraints of the IAM API model (botocore iam/2010-05-08), with
// AWS's ValidationError wording:
//
//	1 validation error detected: Value 'x' at 'userName' failed to satisfy
//	constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+

const namePattern = `[\w+=,.@-]+`

func constraintErr(value, member, constraint string) error {
	return errValidation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

func required(value, member string) error {
	if value == "" {
		return errValidation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
	}
	return nil
}

func isNameChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_+=,.@-", c) >= 0
}

// checkName validates a user, group, role or policy name: required,
// 1..max characters of [\w+=,.@-].
func checkName(value, member string, max int) error {
	if err := required(value, member); err != nil {
		return err
	}
	if len(value) > max {
		return constraintErr(value, member, "Member must have length less than or equal to "+itoa(max))
	}
	for i := 0; i < len(value); i++ {
		if !isNameChar(value[i]) {
			return constraintErr(value, member, "Member must satisfy regular expression pattern: "+namePattern)
		}
	}
	return nil
}

// checkPath validates an entity path: "/" or "/.../" of printable ASCII,
// at most 512 characters; "" means "/".
func checkPath(p *string) error {
	if *p == "" {
		*p = "/"
		return nil
	}
	v := *p
	ok := len(v) <= 512 && v[0] == '/' && v[len(v)-1] == '/'
	for i := 0; ok && i < len(v); i++ {
		ok = v[i] >= 0x21 && v[i] <= 0x7E
	}
	if !ok {
		return constraintErr(v, "path", `Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`)
	}
	return nil
}

// checkPolicyPath validates a managed policy's path: ((/[A-Za-z0-9.,+@=_-]+)*)/.
func checkPolicyPath(p *string) error {
	if *p == "" {
		*p = "/"
		return nil
	}
	v := *p
	ok := len(v) <= 512 && v[0] == '/' && v[len(v)-1] == '/' && !strings.Contains(v, "//")
	for i := 0; ok && i < len(v); i++ {
		ok = v[i] == '/' || isNameChar(v[i])
	}
	if !ok {
		return constraintErr(v, "path", `Member must satisfy regular expression pattern: ((/[A-Za-z0-9\.,\+@=_-]+)*)/`)
	}
	return nil
}

// checkPathPrefix validates a listing's PathPrefix: / then printable
// ASCII; "" means "/".
func checkPathPrefix(p *string) error {
	if *p == "" {
		*p = "/"
		return nil
	}
	v := *p
	ok := len(v) <= 512 && v[0] == '/'
	for i := 0; ok && i < len(v); i++ {
		ok = v[i] >= 0x21 && v[i] <= 0x7F
	}
	if !ok {
		return constraintErr(v, "pathPrefix", `Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`)
	}
	return nil
}

// page is a decoded Marker/MaxItems pair.
type page struct {
	after string
	limit int
}

// checkPaging validates MaxItems (1..1000, default 100) and decodes Marker.
func checkPaging(marker string, maxItems *int32) (page, error) {
	pg := page{limit: 100}
	if maxItems != nil {
		if *maxItems < 1 || *maxItems > 1000 {
			return pg, constraintErr(itoa(int(*maxItems)), "maxItems", "Member must have value between 1 and 1000")
		}
		pg.limit = int(*maxItems)
	}
	if marker != "" {
		b, err := base64.RawURLEncoding.DecodeString(marker)
		if err != nil || len(marker) > 320 || !utf8.Valid(b) {
			return pg, iamErr("InvalidInput", "Invalid Marker.")
		}
		pg.after = string(b)
	}
	return pg, nil
}

// storePage is the store page that fetches one more item than asked, to
// know whether the listing is truncated.
func (p page) storePage() store.Page { return store.Page{After: p.after, Limit: p.limit + 1} }

// nextMarker returns the marker after the last of n listed items whose
// sort keys are given by key, and trims the list to the limit.
func truncate[T any](items []T, p page, key func(T) string) ([]T, bool, string) {
	if len(items) <= p.limit {
		return items, false, ""
	}
	items = items[:p.limit]
	return items, true, encodeMarker(key(items[len(items)-1]))
}

// encodeMarker returns the Marker that continues a listing after sort key k.
func encodeMarker(k string) string { return base64.RawURLEncoding.EncodeToString([]byte(k)) }

// pageSlice pages an in-memory list (for listings the store does not page).
func pageSlice[T any](items []T, p page, key func(T) string) ([]T, bool, string) {
	start := 0
	if p.after != "" {
		for start < len(items) && key(items[start]) <= p.after {
			start++
		}
	}
	return truncate(items[start:], p, key)
}

// checkTags validates tags as the model constrains them: at most 50, keys
// 1..128 and values 0..256 characters of letters, digits, spaces and
// _.:/=+-@, keys unique and not starting with "aws:".
func checkTags(tags []Tag) error {
	if len(tags) > 50 {
		return constraintErr("[...]", "tags", "Member must have length less than or equal to 50")
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if t.Key == "" || utf8.RuneCountInString(t.Key) > 128 || !tagChars(t.Key) {
			return constraintErr(t.Key, "tags.member.key", `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`)
		}
		if utf8.RuneCountInString(t.Value) > 256 || !tagChars(t.Value) {
			return constraintErr(t.Value, "tags.member.value", `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*`)
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return iamErr("InvalidInput", "User-defined tag keys can't start with 'aws:'. This prefix is reserved for AWS tags.")
		}
		if seen[strings.ToLower(t.Key)] {
			return iamErr("InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[strings.ToLower(t.Key)] = true
	}
	return nil
}

func tagChars(s string) bool {
	for _, r := range s {
		if !(unicode.IsLetter(r) || unicode.In(r, unicode.Z) || unicode.IsNumber(r) || strings.ContainsRune("_.:/=+-@", r)) {
			return false
		}
	}
	return true
}

// mergeTags adds or replaces tags (keys compared case-insensitively), and
// fails with LimitExceeded past 50.
func mergeTags(have []store.Tag, add []Tag) ([]store.Tag, error) {
	out := append([]store.Tag(nil), have...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i] = store.Tag{Key: t.Key, Value: t.Value}
				replaced = true
			}
		}
		if !replaced {
			out = append(out, store.Tag{Key: t.Key, Value: t.Value})
		}
	}
	if len(out) > 50 {
		return nil, iamErr("LimitExceeded", "The number of tags has reached the maximum limit.")
	}
	return out, nil
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
