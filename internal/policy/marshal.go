package policy

import (
	"bytes"
	"encoding/json"
)

// MarshalJSON writes the policy in canonical form: members in the order
// Version, Id, Statement (always a list); statement members in the order of
// Statement's fields; one-element lists as a plain string; condition values
// as strings. Parse(MarshalJSON(p)) gives back p.
func (p *Policy) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	field := func(name string) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeString(&b, name)
		b.WriteByte(':')
	}
	if p.Version != "" {
		field("Version")
		writeString(&b, p.Version)
	}
	if p.ID != "" {
		field("Id")
		writeString(&b, p.ID)
	}
	field("Statement")
	b.WriteByte('[')
	for i := range p.Statements {
		if i > 0 {
			b.WriteByte(',')
		}
		p.Statements[i].marshal(&b)
	}
	b.WriteString("]}")
	return b.Bytes(), nil
}

// String returns the canonical JSON form (see MarshalJSON).
func (p *Policy) String() string {
	b, _ := p.MarshalJSON()
	return string(b)
}

func (s *Statement) marshal(b *bytes.Buffer) {
	b.WriteByte('{')
	first := true
	field := func(name string) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeString(b, name)
		b.WriteByte(':')
	}
	if s.Sid != "" {
		field("Sid")
		writeString(b, s.Sid)
	}
	field("Effect")
	writeString(b, s.Effect.String())
	if s.Principal != nil {
		field("Principal")
		s.Principal.marshal(b)
	}
	if s.NotPrincipal != nil {
		field("NotPrincipal")
		s.NotPrincipal.marshal(b)
	}
	for _, l := range []struct {
		name string
		list []string
	}{{"Action", s.Action}, {"NotAction", s.NotAction}, {"Resource", s.Resource}, {"NotResource", s.NotResource}} {
		if l.list != nil {
			field(l.name)
			writeList(b, l.list)
		}
	}
	if s.Condition != nil {
		field("Condition")
		b.WriteByte('{')
		for i, c := range s.Condition {
			op := c.Operator.String()
			if i == 0 || s.Condition[i-1].Operator.String() != op {
				if i > 0 {
					b.WriteString("},")
				}
				writeString(b, op)
				b.WriteString(":{")
			} else {
				b.WriteByte(',')
			}
			writeString(b, c.Key)
			b.WriteByte(':')
			writeList(b, c.Values)
		}
		b.WriteString("}}")
	}
	b.WriteByte('}')
}

func (ps *Principals) marshal(b *bytes.Buffer) {
	if ps.Wildcard {
		writeString(b, "*")
		return
	}
	b.WriteByte('{')
	first := true
	for _, l := range []struct {
		name string
		list []string
	}{{"AWS", ps.AWS}, {"Service", ps.Service}, {"Federated", ps.Federated}, {"CanonicalUser", ps.CanonicalUser}} {
		if l.list == nil {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeString(b, l.name)
		b.WriteByte(':')
		writeList(b, l.list)
	}
	b.WriteByte('}')
}

func writeList(b *bytes.Buffer, list []string) {
	if len(list) == 1 {
		writeString(b, list[0])
		return
	}
	b.WriteByte('[')
	for i, s := range list {
		if i > 0 {
			b.WriteByte(',')
		}
		writeString(b, s)
	}
	b.WriteByte(']')
}

func writeString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s) // a string always marshals
	b.Write(enc)
}
