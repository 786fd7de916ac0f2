package blob

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
)

// durableDirs remembers the shard directories a Store has made durable:
// created or found, then fsynced in their parent after that. Bit i of top
// is objects/<i as 2 hex digits>; bit i of shard is objects/ab/cd with
// i = 0xabcd. A commit fsyncs a shard's parents only while its bit is
// clear: once per shard directory per Store (finding a directory is not
// enough: a concurrent writer may have just made it and not yet fsynced
// the parent, or a process may have died between the two).
type durableDirs struct {
	top   [256 / 64]atomic.Uint64
	shard [65536 / 64]atomic.Uint64
}

func testBit(w []atomic.Uint64, i int) bool { return w[i/64].Load()&(1<<(i%64)) != 0 }
func setBit(w []atomic.Uint64, i int)       { w[i/64].Or(1 << (i % 64)) }
func clearBit(w []atomic.Uint64, i int)     { w[i/64].And(^uint64(1 << (i % 64))) }

// shardIndex returns the indexes of id's two shard directories in
// durableDirs. id must be a valid ID.
func shardIndex(id ID) (top, shard int) {
	v, _ := strconv.ParseUint(string(id[0:4]), 16, 16)
	return int(v >> 8), int(v)
}

// prepareShard makes sure id's shard directory objects/ab/cd exists and
// reports whether its parents must be fsynced (syncShard) before a blob
// committed into it may be acknowledged: when this Store has not yet made
// it durable, or when it just created it. It costs one mkdir (answered
// EEXIST) on a known shard, as the stat it replaces did.
func (s *Store) prepareShard(id ID) (bool, error) {
	top, shard := shardIndex(id)
	dir := filepath.Dir(s.path(id))
	err := os.Mkdir(dir, dirPerm)
	switch {
	case err == nil:
		// New: its entry in objects/ab is not durable yet.
		return true, nil
	case errors.Is(err, fs.ErrExist):
		if fi, serr := os.Stat(dir); serr == nil && !fi.IsDir() {
			return false, fmt.Errorf("%s is not a directory", dir)
		}
		return !testBit(s.dirs.shard[:], shard) || !testBit(s.dirs.top[:], top), nil
	case errors.Is(err, fs.ErrNotExist):
		// objects/ab is missing too (removed behind the Store's back if
		// it was known): its entry in objects must be made durable again.
		clearBit(s.dirs.top[:], top)
		if err := os.Mkdir(filepath.Dir(dir), dirPerm); err != nil && !errors.Is(err, fs.ErrExist) {
			return false, err
		}
		if err := os.Mkdir(dir, dirPerm); err != nil && !errors.Is(err, fs.ErrExist) {
			return false, err
		}
		return true, nil
	}
	return false, err
}

// syncShard fsyncs the parents of id's shard directory, objects/ab (so
// the entry cd is durable) and objects (so ab is durable), and records the
// shard as durable. Called after the blob's rename and the fsync of its
// shard directory, these fsyncs usually find their directory's changes
// already written by that fsync's journal commit (ext4, XFS): one journal
// commit instead of one per level.
func (s *Store) syncShard(id ID) error {
	top, shard := shardIndex(id)
	dir := filepath.Dir(s.path(id))
	if err := s.syncDir(filepath.Dir(dir)); err != nil {
		return err
	}
	if !testBit(s.dirs.top[:], top) {
		if err := s.syncDir(filepath.Dir(filepath.Dir(dir))); err != nil {
			return err
		}
		setBit(s.dirs.top[:], top)
	}
	setBit(s.dirs.shard[:], shard)
	return nil
}
