package systems

import (
	"github.com/inmemdb/inmem/core"
)

// entryRows is a scan result of core.Entry values (inmem, the original, the
// floor).
type entryRows []core.Entry

func (r entryRows) Len() int { return len(r) }

func (r entryRows) At(i int) (string, []byte) {
	return string(r[i].Key.Encode()), r[i].Value.Value.Bytes()
}

// kv is one entry of a store keyed by strings: the encoded key and the value.
type kv struct {
	Key string
	Val string
}

// kvRows is a scan result of string pairs (go-memdb, btree, buntdb).
type kvRows []kv

func (r kvRows) Len() int { return len(r) }

func (r kvRows) At(i int) (string, []byte) { return r[i].Key, []byte(r[i].Val) }
