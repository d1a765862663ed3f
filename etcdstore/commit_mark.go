package etcdstore

import (
	"encoding/binary"
	"errors"
)

// commitMark is the value of a commit key P/c/<v>:
//
//	token (8 bytes)  timestamp (12 bytes, instant)  flags (1 byte)
//	[grouped only: first version (8)  last version (8)  uvarint n  n × (uvarint length, encoded key)]
//
// The token is the random number of the etcd transaction that wrote it (to
// resolve an ambiguous failure). The flags say whether the commit removed
// expired values (RemoveExpired: its removals are core.ChangeExpire),
// removed a range (DeletePrefix: each removal is a delete or an expiry by
// the removed value's deadline) and shares its etcd transaction, and so its
// revision, with other commits of one process (a group commit). A grouped
// mark names the group's versions and the keys this commit changed, so that
// a read at a version inside the group can tell the keys a later commit of
// the group changed (read them one revision earlier) and a watcher can
// split the revision's events into commits.
type commitMark struct {
	token  uint64
	at     instant
	expire bool
	ranged bool
	// grouped: first < last, first <= this version <= last
	first, last uint64
	keys        []string // encoded core keys this commit changed, sorted
}

const (
	markExpire  = 1 << 0
	markRanged  = 1 << 1
	markGrouped = 1 << 2
	markHeader  = 8 + instantLen + 1
)

func (c *commitMark) grouped() bool { return c.first != c.last }

func (c *commitMark) append(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint64(dst, c.token)
	dst = c.at.append(dst)
	var f byte
	if c.expire {
		f |= markExpire
	}
	if c.ranged {
		f |= markRanged
	}
	if !c.grouped() {
		return append(dst, f)
	}
	dst = append(dst, f|markGrouped)
	dst = binary.BigEndian.AppendUint64(dst, c.first)
	dst = binary.BigEndian.AppendUint64(dst, c.last)
	dst = binary.AppendUvarint(dst, uint64(len(c.keys)))
	for _, k := range c.keys {
		dst = binary.AppendUvarint(dst, uint64(len(k)))
		dst = append(dst, k...)
	}
	return dst
}

var errBadMark = errors.New("bad commit mark")

// decodeCommitMark decodes the mark of version v.
func decodeCommitMark(b []byte, v uint64) (commitMark, error) {
	if len(b) < markHeader || b[markHeader-1]&^(markExpire|markRanged|markGrouped) != 0 {
		return commitMark{}, errBadMark
	}
	at, ok := decodeInstant(b[8:])
	if !ok {
		return commitMark{}, errBadMark
	}
	f := b[markHeader-1]
	c := commitMark{token: binary.BigEndian.Uint64(b), at: at, expire: f&markExpire != 0, ranged: f&markRanged != 0, first: v, last: v}
	b = b[markHeader:]
	if f&markGrouped == 0 {
		if len(b) != 0 {
			return commitMark{}, errBadMark
		}
		return c, nil
	}
	if len(b) < 16 {
		return commitMark{}, errBadMark
	}
	c.first, c.last = binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])
	if c.first > v || v > c.last || c.first == c.last {
		return commitMark{}, errBadMark
	}
	b = b[16:]
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)) {
		return commitMark{}, errBadMark
	}
	b = b[w:]
	c.keys = make([]string, 0, n)
	for range n {
		l, w := binary.Uvarint(b)
		if w <= 0 || l > uint64(len(b)-w) {
			return commitMark{}, errBadMark
		}
		c.keys = append(c.keys, string(b[w:w+int(l)]))
		b = b[w+int(l):]
	}
	if len(b) != 0 {
		return commitMark{}, errBadMark
	}
	return c, nil
}
