package policy

import (
	"errors"
	"strings"
)

// A template is a Resource, NotResource or condition value that may hold
// policy variables (IAM User Guide, "IAM policy elements: Variables and
// tags"): ${key}, ${key, 'default'} and the escapes ${*}, ${?}, ${$}.
// Variables are compiled only in Version 2012-10-17 documents; in older
// documents the text is literal.
type template struct {
	raw   string
	g     glob    // raw, compiled, for static templates
	seg   bool    // raw has a wildcard bounded by its ARN part (Resource)
	parts []tpart // nil when raw has no variables or escapes
}

type tpartKind uint8

const (
	tLit tpartKind = iota // policy text: * and ? stay wildcards
	tEsc                  // ${*}, ${?}, ${$}: one literal character
	tVar                  // ${key} or ${key, 'default'}
)

type tpart struct {
	kind   tpartKind
	text   string // tLit, tEsc: the text; tVar: the default
	key    string // tVar: lowercased key
	hasDef bool
}

func compileTemplate(s string, vars bool) (template, error) {
	t := template{raw: s, g: compileGlob(s), seg: boundedWildcard(s, false)}
	if !vars || !strings.Contains(s, "${") {
		return t, nil
	}
	lit := 0
	for i := 0; i < len(s); {
		if s[i] != '$' || i+1 >= len(s) || s[i+1] != '{' {
			i++
			continue
		}
		if lit < i {
			t.parts = append(t.parts, tpart{kind: tLit, text: s[lit:i]})
		}
		p, next, err := parseVariable(s, i+2)
		if err != nil {
			return template{}, err
		}
		t.parts = append(t.parts, p)
		i, lit = next, next
	}
	if lit < len(s) {
		t.parts = append(t.parts, tpart{kind: tLit, text: s[lit:]})
	}
	return t, nil
}

var errUnterminated = errors.New("unterminated policy variable (missing })")

// parseVariable parses the inside of ${...} starting at s[j]; it returns the
// part and the index after the closing brace.
func parseVariable(s string, j int) (tpart, int, error) {
	k := j
	for k < len(s) && s[k] != '}' && s[k] != ',' {
		k++
	}
	if k >= len(s) {
		return tpart{}, 0, errUnterminated
	}
	key := strings.TrimSpace(s[j:k])
	if s[k] == '}' {
		switch key {
		case "*", "?", "$":
			return tpart{kind: tEsc, text: key}, k + 1, nil
		}
		if err := checkVarKey(key); err != nil {
			return tpart{}, 0, err
		}
		return tpart{kind: tVar, key: strings.ToLower(key)}, k + 1, nil
	}
	if err := checkVarKey(key); err != nil {
		return tpart{}, 0, err
	}
	// ${key, 'default'}: a single-quoted default, '' for a quote.
	k++
	for k < len(s) && s[k] == ' ' {
		k++
	}
	if k >= len(s) || s[k] != '\'' {
		return tpart{}, 0, errors.New("a policy variable default must be in single quotes: ${key, 'default'}")
	}
	k++
	var def strings.Builder
	for {
		if k >= len(s) {
			return tpart{}, 0, errors.New("unterminated default value in policy variable")
		}
		if s[k] == '\'' {
			if k+1 < len(s) && s[k+1] == '\'' {
				def.WriteByte('\'')
				k += 2
				continue
			}
			k++
			break
		}
		def.WriteByte(s[k])
		k++
	}
	for k < len(s) && s[k] == ' ' {
		k++
	}
	if k >= len(s) || s[k] != '}' {
		return tpart{}, 0, errUnterminated
	}
	return tpart{kind: tVar, key: strings.ToLower(key), text: def.String(), hasDef: true}, k + 1, nil
}

func checkVarKey(key string) error {
	if key == "" {
		return errors.New("empty policy variable ${}")
	}
	if strings.ContainsAny(key, " \t\r\n${'") {
		return errors.New("invalid policy variable name " + `"` + key + `"`)
	}
	return nil
}

// static reports whether the template needs no substitution.
func (t *template) static() bool { return t.parts == nil }

// resolve substitutes the variables from ctx. A variable resolves when its
// key has exactly one value (IAM: multi-valued keys cannot be variables),
// else to its default if given; otherwise resolve returns false.
//
// With pattern set, the result is for matchEscaped: characters that came
// from variables and escapes are escaped with a backslash so that they match
// literally, while * and ? from the policy text stay wildcards.
func (t *template) resolve(ctx Context, pattern bool) (string, bool) {
	var b strings.Builder
	b.Grow(len(t.raw) + 16)
	for _, p := range t.parts {
		switch p.kind {
		case tLit:
			if pattern {
				writeEscaped(&b, p.text, "\\")
			} else {
				b.WriteString(p.text)
			}
		case tEsc:
			if pattern {
				writeEscaped(&b, p.text, "\\*?")
			} else {
				b.WriteString(p.text)
			}
		case tVar:
			v := ctx[p.key]
			var s string
			switch {
			case len(v) == 1:
				s = v[0]
			case p.hasDef:
				s = p.text
			default:
				return "", false
			}
			if pattern {
				writeEscaped(&b, s, "\\*?")
			} else {
				b.WriteString(s)
			}
		}
	}
	return b.String(), true
}

func writeEscaped(b *strings.Builder, s, special string) {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(special, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
}
