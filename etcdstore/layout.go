package etcdstore

import (
	"encoding/binary"

	"github.com/inmemdb/inmem/core"
)

// The etcd keys of a store under prefix P (see the package documentation):
//
//	P/v                          the store's current version, 8 bytes big-endian
//	P/p                          the lowest version whose commit key is kept (Prune)
//	P/c/<version, 8 bytes BE>    one per commit: its mark (commit_mark.go)
//	P/d/<encoded key>            a stored value: its record (record.go)
//	P/x/<expiry, 12 bytes><enc>  the TTL index: one per stored value with a TTL
//	P/r/<run id><encoded ns>     the run index: how many keys namespace ns stores
//	P/t/<type><encoded ns>       the type index: how many keys of the type ns stores
//	P/e/<encoded ns><^seq, 8 B>  the log index: one per event key of an 8-byte
//	                             sequence, its bits inverted so that the first
//	                             key of a namespace is its highest sequence
//	P/s/<encoded ns><^seq, 8 B>  the mark index: the highest 8-byte sequence a
//	                             commit removed from the log of ns, bits
//	                             inverted as in P/e/; a log's high-water mark
//	                             (the highest sequence it ever stored) is the
//	                             higher of its first P/e/ and first P/s/ key
type layout struct {
	root    string // P/: every key of the store starts with it
	version string // P/v
	pruned  string // P/p
	commit  string // P/c/
	data    string // P/d/
	expiry  string // P/x/
	run     string // P/r/
	typ     string // P/t/
	log     string // P/e/
	mark    string // P/s/
}

func newLayout(prefix string) layout {
	return layout{
		root:    prefix + "/",
		version: prefix + "/v",
		pruned:  prefix + "/p",
		commit:  prefix + "/c/",
		data:    prefix + "/d/",
		expiry:  prefix + "/x/",
		run:     prefix + "/r/",
		typ:     prefix + "/t/",
		log:     prefix + "/e/",
		mark:    prefix + "/s/",
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

// dataPrefix returns the start of the range of the records of the keys p
// matches: the encoding preserves prefixes.
func (l layout) dataPrefix(p core.Prefix) string {
	return string(p.AppendEncode([]byte(l.data)))
}

// runKey returns the run index key of namespace ns.
func (l layout) runKey(ns core.Namespace) string {
	b := append([]byte(l.run), ns.RunID[:]...)
	return string(ns.AppendEncode(b))
}

// runPrefix returns the start of the range of the run index keys of run.
func (l layout) runPrefix(run core.RunID) string {
	return l.run + string(run[:])
}

// typeKey returns the type index key of the keys of type t in namespace ns.
func (l layout) typeKey(t core.TypeTag, ns core.Namespace) string {
	b := append([]byte(l.typ), byte(t))
	return string(ns.AppendEncode(b))
}

// typePrefix returns the start of the range of the type index keys of t.
func (l layout) typePrefix(t core.TypeTag) string {
	return l.typ + string([]byte{byte(t)})
}

// isSeq reports whether k is an event key of an 8-byte sequence: the keys
// Append writes, kept in the log index.
func isSeq(k core.Key) bool { return k.Type == core.TypeEvent && len(k.UserKey) == 8 }

// logKey returns the log index key of an event key of an 8-byte sequence.
func (l layout) logKey(k core.Key) string {
	b := k.Namespace.AppendEncode([]byte(l.log))
	for _, c := range k.UserKey {
		b = append(b, ^c)
	}
	return string(b)
}

// logPrefix returns the start of the range of the log index keys of ns.
func (l layout) logPrefix(ns core.Namespace) string {
	return string(ns.AppendEncode([]byte(l.log)))
}

// markPrefix returns the start of the range of the mark index keys of ns.
func (l layout) markPrefix(ns core.Namespace) string {
	return string(ns.AppendEncode([]byte(l.mark)))
}

// markKey returns the mark index key of sequence seq in the mark range mp
// (markPrefix).
func markKey(mp string, seq uint64) string {
	return string(binary.BigEndian.AppendUint64([]byte(mp), ^seq))
}

// logRange returns the prefix of the log index keys of the keys whose
// encoding starts with the encoded prefix enc (core.Prefix.AppendEncode),
// and false when no event key of an 8-byte sequence starts so (a key-level
// prefix of another type, or of a user key longer than 8 bytes).
func (l layout) logRange(enc string) (string, bool) {
	n, ok := nsLen(enc)
	if !ok || len(enc) == n { // above a namespace, or one namespace
		return l.log + enc, true
	}
	user := enc[n+1:]
	if core.TypeTag(enc[n]) != core.TypeEvent || len(user) > 8 {
		return "", false
	}
	b := []byte(l.log + enc[:n])
	for i := 0; i < len(user); i++ {
		b = append(b, ^user[i])
	}
	return string(b), true
}

// nsLen returns the length of the namespace encoding enc starts with, and
// false when enc is shorter than one (a prefix above a namespace): three
// strings, each ended by 0x00 0x01 (0x00 0xFF is an escaped zero), then the
// 16-byte run id.
func nsLen(enc string) (int, bool) {
	i := 0
	for range 3 {
		for {
			if i+1 >= len(enc) {
				return 0, false
			}
			if enc[i] == 0 && enc[i+1] == 1 {
				i += 2
				break
			}
			if enc[i] == 0 {
				i++
			}
			i++
		}
	}
	if len(enc) < i+16 {
		return 0, false
	}
	return i + 16, true
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
