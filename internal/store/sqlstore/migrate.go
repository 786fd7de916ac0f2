package sqlstore

import (
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// Migration is one schema version, read from a file migrations/NNNN_name.sql.
type Migration struct {
	Version int
	Name    string // the file name, NNNN_name.sql
	SQL     string
}

// Migrations returns the migrations in fsys's migrations/*.sql sorted by
// version. Versions must be positive and distinct.
func Migrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, p := range names {
		name := strings.TrimPrefix(p, "migrations/")
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", name)
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s share a version", ms[i-1].Name, ms[i].Name)
		}
	}
	return ms, nil
}

// Pending returns, in order, the migrations of ms (sorted by version)
// whose versions are not among applied, the versions recorded in the
// database. It fails if the database records a version newer than every
// migration of ms: the database was migrated by a newer binary.
func Pending(ms []Migration, applied []int) ([]Migration, error) {
	latest := 0
	if len(ms) > 0 {
		latest = ms[len(ms)-1].Version
	}
	done := make(map[int]bool, len(applied))
	for _, v := range applied {
		if v > latest {
			return nil, fmt.Errorf("database is at schema version %d, newer than this binary's %d", v, latest)
		}
		done[v] = true
	}
	var todo []Migration
	for _, m := range ms {
		if !done[m.Version] {
			todo = append(todo, m)
		}
	}
	return todo, nil
}
