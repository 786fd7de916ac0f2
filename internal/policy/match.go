package policy

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MatchWildcard reports whether s matches pattern, where * matches any run of
// characters (including none) and ? matches exactly one character. With
// ignoreCase, letters are compared with Unicode simple case folding. There is
// no escape character.
func MatchWildcard(pattern, s string, ignoreCase bool) bool {
	return match(pattern, s, ignoreCase, false)
}

// ActionMatches reports whether action ("kms:Encrypt") matches any of
// patterns ("kms:*", "kms:Encrypt*", "*"), case-insensitively as IAM
// compares actions.
func ActionMatches(patterns []string, action string) bool {
	for _, p := range patterns {
		if matchAction(p, action) {
			return true
		}
	}
	return false
}

func matchAction(p, action string) bool {
	if p == "*" {
		return true
	}
	if !strings.ContainsAny(p, "*?") {
		return strings.EqualFold(p, action)
	}
	return match(p, action, true, false)
}

// match is a glob matcher with backtracking to the last star, linear in
// practice. With esc, a backslash makes the next character literal.
func match(p, s string, fold, esc bool) bool {
	px, sx := 0, 0
	starPx, starSx := -1, 0
	for px < len(p) || sx < len(s) {
		if px < len(p) {
			c := p[px]
			switch {
			case c == '*':
				starPx, starSx = px, sx
				px++
				continue
			case c == '?':
				if sx < len(s) {
					_, w := utf8.DecodeRuneInString(s[sx:])
					px++
					sx += w
					continue
				}
			default:
				lit := px
				if esc && c == '\\' && px+1 < len(p) {
					lit = px + 1
				}
				if sx < len(s) {
					pr, pw := decodeRune(p[lit:])
					sr, sw := decodeRune(s[sx:])
					if pr == sr || (fold && foldEqual(pr, sr)) {
						px = lit + pw
						sx += sw
						continue
					}
				}
			}
		}
		if starPx >= 0 && starSx < len(s) {
			_, w := decodeRune(s[starSx:])
			starSx += w
			px, sx = starPx+1, starSx
			continue
		}
		return false
	}
	return true
}

func decodeRune(s string) (rune, int) {
	if s[0] < utf8.RuneSelf {
		return rune(s[0]), 1
	}
	return utf8.DecodeRuneInString(s)
}

func foldEqual(a, b rune) bool {
	if a < utf8.RuneSelf && b < utf8.RuneSelf {
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		return a == b
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}

// matchARN implements ArnEquals/ArnLike (IAM User Guide, "Amazon Resource
// Name (ARN) condition operators"): each of the six colon-delimited parts is
// matched separately, case-sensitively, with * and ? wildcards, so a
// wildcard never spans a colon except in the last part (the resource,
// which may itself contain colons). A pattern with fewer than six parts
// (such as "*") is matched against the whole value.
func matchARN(p, s string, esc bool) bool {
	if strings.Count(p, ":") < 5 {
		return match(p, s, false, esc)
	}
	for i := 0; i < 5; i++ {
		pi := strings.IndexByte(p, ':')
		si := strings.IndexByte(s, ':')
		if si < 0 {
			return false
		}
		if !match(p[:pi], s[:si], false, esc) {
			return false
		}
		p, s = p[pi+1:], s[si+1:]
	}
	return match(p, s, false, esc)
}

// glob is a wildcard pattern classified at Parse time so that the common
// shapes (*, exact, prefix*) skip the general matcher.
type glob struct {
	s    string // the pattern; for globPrefix, without the trailing *
	kind globKind
}

type globKind uint8

const (
	globGeneral globKind = iota
	globAll
	globExact
	globPrefix
)

func compileGlob(p string) glob {
	switch i := strings.IndexAny(p, "*?"); {
	case p == "*":
		return glob{p, globAll}
	case i < 0:
		return glob{p, globExact}
	case i == len(p)-1 && p[i] == '*':
		return glob{p[:i], globPrefix}
	}
	return glob{p, globGeneral}
}

func (g *glob) match(s string, fold bool) bool {
	switch g.kind {
	case globAll:
		return true
	case globExact:
		if fold {
			return strings.EqualFold(g.s, s)
		}
		return g.s == s
	case globPrefix:
		if len(s) < len(g.s) {
			return false
		}
		if fold {
			// A rune boundary is not guaranteed at len(g.s) for non-ASCII
			// text; the general matcher handles that case.
			if !isASCII(g.s) {
				return match(g.s+"*", s, true, false)
			}
			return strings.EqualFold(g.s, s[:len(g.s)])
		}
		return s[:len(g.s)] == g.s
	}
	return match(g.s, s, fold, false)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// boundedWildcard reports whether a Resource pattern has a wildcard that
// must stay inside its ARN part: a ? or a * that does not end one of the
// first five colon-separated parts. Patterns without one (the common
// "arn:aws:kms:*:111122223333:key/*") are plain globs.
func boundedWildcard(p string, esc bool) bool {
	colons := 0
	for i := 0; i < len(p) && colons < 5; i++ {
		switch c := p[i]; {
		case esc && c == '\\':
			i++
		case c == ':':
			colons++
		case c == '?':
			return true
		case c == '*':
			if i+1 < len(p) && p[i+1] != ':' {
				return true
			}
		}
	}
	return false
}

// matchResource matches a Resource pattern as the IAM User Guide
// ("IAM JSON policy elements: Resource") describes: * and ? match within
// one colon-separated part of the ARN, except that a * that is the last
// character of a part may expand beyond the colon. In the sixth part (the
// resource id, which may hold colons) wildcards match anything.
func matchResource(p, s string, esc bool) bool {
	if !boundedWildcard(p, esc) {
		return match(p, s, false, esc)
	}
	type tok struct {
		c       byte
		kind    byte // 'l' literal, '*' star, '?' one character
		bounded bool // may not match ':'
	}
	var toks []tok
	colons := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case esc && c == '\\' && i+1 < len(p):
			i++
			toks = append(toks, tok{c: p[i], kind: 'l'})
		case c == '*':
			ends := i+1 == len(p) || p[i+1] == ':'
			toks = append(toks, tok{kind: '*', bounded: colons < 5 && !ends})
		case c == '?':
			toks = append(toks, tok{kind: '?', bounded: colons < 5})
		default:
			if c == ':' {
				colons++
			}
			toks = append(toks, tok{c: c, kind: 'l'})
		}
	}
	// cur[j]: the tokens so far match s[:j].
	cur := make([]bool, len(s)+1)
	next := make([]bool, len(s)+1)
	cur[0] = true
	for _, t := range toks {
		clear(next)
		for j := 0; j <= len(s); j++ {
			switch t.kind {
			case '*':
				if cur[j] || (j > 0 && next[j-1] && !(t.bounded && s[j-1] == ':')) {
					next[j] = true
				}
			case '?':
				if cur[j] && j < len(s) && !(t.bounded && s[j] == ':') {
					_, w := decodeRune(s[j:])
					next[j+w] = true
				}
			default:
				if cur[j] && j < len(s) && s[j] == t.c {
					next[j+1] = true
				}
			}
		}
		cur, next = next, cur
	}
	return cur[len(s)]
}
