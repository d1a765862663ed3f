package etcdstore

import (
	"encoding/binary"

	"github.com/inmemdb/inmem/core"
)

// The etcd keys of a store under prefix P (see the package documentation):
//
//	P/v                          the store's current version, 8 bytes big-endian
//	P/c/<version, 8 bytes BE>    one per commit: its etcd revision is the commit's revision
//	P/d/<encoded key>            a stored value: its record (see record.go)
//	P/x/<expiry, 12 bytes><enc>  the TTL index: one per stored value with a TTL
//	P/r/<run id><encoded ns>     the run index: how many keys namespace ns stores
type layout struct {
	version string // P/v
	commit  string // P/c/
	data    string // P/d/
	expiry  string // P/x/
	run     string // P/r/
}

func newLayout(prefix string) layout {
	return layout{
		version: prefix + "/v",
		commit:  prefix + "/c/",
		data:    prefix + "/d/",
		expiry:  prefix + "/x/",
		run:     prefix + "/r/",
	}
}

// commitKey returns the key marking the commit of version v.
func (l layout) commitKey(v uint64) string {
	return string(binary.BigEndian.AppendUint64([]byte(l.commit), v))
}

// dataKey returns the key k's record is stored under.
func (l layout) dataKey(k core.Key) string {
	b := make([]byte, 0, len(l.data)+k.EncodedLen())
	return string(k.AppendEncode(append(b, l.data...)))
}

// dataPrefix returns the start of the range of the records of keys with
// prefix p (core.Key.HasPrefix): the encoding preserves prefixes.
func (l layout) dataPrefix(p core.Key) string { return l.dataKey(p) }

// runKey returns the run index key of namespace ns.
func (l layout) runKey(ns core.Namespace) string {
	b := append([]byte(l.run), ns.RunID[:]...)
	return string(ns.AppendEncode(b))
}

// runPrefix returns the start of the range of the run index keys of run.
func (l layout) runPrefix(run core.RunID) string {
	return l.run + string(run[:])
}

// expiryKey returns the TTL index key of a record of encoded key enc that
// expires at.
func (l layout) expiryKey(at instant, enc string) string {
	b := at.append([]byte(l.expiry))
	return string(append(b, enc...))
}

// rangeEnd returns the smallest key greater than every key starting with p:
// the end of p's prefix range.
func rangeEnd(p string) string {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return "\x00" // every byte 0xff: etcd's "to the end of the key space"
}
