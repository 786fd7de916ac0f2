package sqlstore

import (
	"sync"

	"github.com/coffer-kms/coffer/internal/store"
)

// Changes is the set of objects a transaction wrote, each once, in the
// order first written.
type Changes []store.Change

// Add records that c was written, once.
func (cs *Changes) Add(c store.Change) {
	for _, d := range *cs {
		if d == c {
			return
		}
	}
	*cs = append(*cs, c)
}

// Key records a change to the key ref (its metadata, material or tags).
func (cs *Changes) Key(ref store.KeyRef) {
	cs.Add(store.Change{Kind: store.ChangeKey, Account: ref.Account, Region: ref.Region, ID: ref.KeyID})
}

// Grant records a change to the grants of the key ref.
func (cs *Changes) Grant(ref store.KeyRef) {
	cs.Add(store.Change{Kind: store.ChangeGrant, Account: ref.Account, Region: ref.Region, ID: ref.KeyID})
}

// Alias records a change to an alias.
func (cs *Changes) Alias(account, region, name string) {
	cs.Add(store.Change{Kind: store.ChangeAlias, Account: account, Region: region, ID: name})
}

// AccessKey records a change to an access key.
func (cs *Changes) AccessKey(id string) {
	cs.Add(store.Change{Kind: store.ChangeAccessKey, ID: id})
}

// IAM records a change to the IAM object name of account.
func (cs *Changes) IAM(account, name string) {
	cs.Add(store.Change{Kind: store.ChangeIAM, Account: account, ID: name})
}

// Watchers is the set of Watch callbacks of a Store. The zero value is
// empty and ready to use; it is safe for concurrent use.
type Watchers struct {
	mu   sync.Mutex
	next uint64
	fns  map[uint64]func(store.Change)
}

// Add registers fn and returns the function that unregisters it.
func (w *Watchers) Add(fn func(store.Change)) (cancel func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fns == nil {
		w.fns = make(map[uint64]func(store.Change))
	}
	id := w.next
	w.next++
	w.fns[id] = fn
	var once sync.Once
	return func() {
		once.Do(func() {
			w.mu.Lock()
			delete(w.fns, id)
			w.mu.Unlock()
		})
	}
}

// Notify calls every registered callback with each change, in the calling
// goroutine. Callbacks registered or cancelled meanwhile may or may not be
// called.
func (w *Watchers) Notify(changes []store.Change) {
	if len(changes) == 0 {
		return
	}
	w.mu.Lock()
	fns := make([]func(store.Change), 0, len(w.fns))
	for _, fn := range w.fns {
		fns = append(fns, fn)
	}
	w.mu.Unlock()
	for _, c := range changes {
		for _, fn := range fns {
			fn(c)
		}
	}
}

// Bucket records a change to a bucket's configuration, or its creation or
// deletion.
func (cs *Changes) Bucket(name string) {
	cs.Add(store.Change{Kind: store.ChangeBucket, ID: name})
}
