package kms

import (
	"sync"

	"github.com/coffer-kms/coffer/internal/keyring"
	"github.com/coffer-kms/coffer/internal/store"
)

// cache holds key metadata, alias targets and unwrapped material so the hot
// path (Encrypt, Decrypt, GenerateDataKey) does not read the store. Entries
// are dropped when the store reports a change, on this node or another.
//
// A generation counter closes the race between a reader that loaded an
// entry from the store and a concurrent invalidation: an entry is stored
// only if no invalidation happened since the load began.
type cache struct {
	mu        sync.RWMutex
	gen       uint64
	keys      map[store.KeyRef]store.Key
	aliases   map[aliasRef]string
	materials map[store.KeyRef]map[uint32]*material
}

type aliasRef struct{ account, region, name string }

// material is one unwrapped key material version, ready to use: exactly
// one of sym, asym and mac is set, by the key's spec.
type material struct {
	sym  *keyring.SymmetricKey
	asym *keyring.PrivateKey
	mac  *keyring.MACKey
	id   string // KeyMaterialId
}

func newCache() *cache {
	return &cache{
		keys:      make(map[store.KeyRef]store.Key),
		aliases:   make(map[aliasRef]string),
		materials: make(map[store.KeyRef]map[uint32]*material),
	}
}

func (c *cache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

func (c *cache) key(ref store.KeyRef) (store.Key, bool) {
	c.mu.RLock()
	k, ok := c.keys[ref]
	c.mu.RUnlock()
	return k, ok
}

func (c *cache) putKey(gen uint64, k store.Key) {
	c.mu.Lock()
	if c.gen == gen {
		c.keys[k.Ref] = k
	}
	c.mu.Unlock()
}

func (c *cache) alias(r aliasRef) (string, bool) {
	c.mu.RLock()
	id, ok := c.aliases[r]
	c.mu.RUnlock()
	return id, ok
}

func (c *cache) putAlias(gen uint64, r aliasRef, keyID string) {
	c.mu.Lock()
	if c.gen == gen {
		c.aliases[r] = keyID
	}
	c.mu.Unlock()
}

func (c *cache) material(ref store.KeyRef, version uint32) (*material, bool) {
	c.mu.RLock()
	m, ok := c.materials[ref][version]
	c.mu.RUnlock()
	return m, ok
}

func (c *cache) putMaterial(gen uint64, ref store.KeyRef, version uint32, m *material) {
	c.mu.Lock()
	if c.gen == gen {
		byVersion := c.materials[ref]
		if byVersion == nil {
			byVersion = make(map[uint32]*material)
			c.materials[ref] = byVersion
		}
		byVersion[version] = m
	}
	c.mu.Unlock()
}

// invalidate drops what a store change makes stale.
func (c *cache) invalidate(ch store.Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	switch ch.Kind {
	case store.ChangeKey:
		ref := store.KeyRef{Account: ch.Account, Region: ch.Region, KeyID: ch.ID}
		delete(c.keys, ref)
		delete(c.materials, ref)
		// A deleted key takes its aliases with it.
		for ar, id := range c.aliases {
			if id == ch.ID && ar.account == ch.Account && ar.region == ch.Region {
				delete(c.aliases, ar)
			}
		}
	case store.ChangeAlias:
		delete(c.aliases, aliasRef{ch.Account, ch.Region, ch.ID})
	case store.ChangeAll:
		clear(c.keys)
		clear(c.aliases)
		clear(c.materials)
	}
}
