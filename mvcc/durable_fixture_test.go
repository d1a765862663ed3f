package mvcc

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/stretchr/testify/require"
)

// fxRawEntry is one stored entry, expired or not, with its key encoding.
type fxRawEntry struct {
	enc string
	vv  core.VersionedValue
}

// fxRawState is everything a store holds at one version: what recovery and
// restore must bring back exactly.
type fxRawState struct {
	version uint64
	entries []fxRawEntry
}

// fxRaw returns the store's current state, expired entries included.
func fxRaw(s *Store) fxRawState {
	return fxRawOf(s.root.Load().cur)
}

func fxRawOf(st *state) fxRawState {
	out := fxRawState{version: st.version}
	st.rangeRecords("", func(enc string, r *stored) bool {
		out.entries = append(out.entries, fxRawEntry{enc: strings.Clone(enc), vv: r.public()})
		return true
	})
	return out
}

// equal reports whether a and b hold the same version and entries.
func (a fxRawState) equal(b fxRawState) bool {
	if a.version != b.version || len(a.entries) != len(b.entries) {
		return false
	}
	for i := range a.entries {
		if a.entries[i].enc != b.entries[i].enc || !fxEqualVV(a.entries[i].vv, b.entries[i].vv) {
			return false
		}
	}
	return true
}

// fxRequireRaw fails the test unless got is want, naming the first
// difference.
func fxRequireRaw(t testing.TB, want, got fxRawState, msgAndArgs ...any) {
	t.Helper()
	if want.equal(got) {
		return
	}
	require.Equal(t, want.version, got.version, msgAndArgs...)
	wantKeys := make([]string, len(want.entries))
	for i, e := range want.entries {
		wantKeys[i] = keyOf(e.enc).String()
	}
	gotKeys := make([]string, len(got.entries))
	for i, e := range got.entries {
		gotKeys[i] = keyOf(e.enc).String()
	}
	require.Equal(t, wantKeys, gotKeys, msgAndArgs...)
	for i := range want.entries {
		fxRequireVV(t, want.entries[i].vv, got.entries[i].vv, msgAndArgs...)
	}
}

// fxOpen opens dir and fails the test on error; the store is closed at the
// end of the test unless the test closed it.
func fxOpen(t testing.TB, dir string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(dir, opts...)
	require.NoError(t, err, "open %s", dir)
	t.Cleanup(func() { s.Close() })
	return s
}

// fxCopyDir copies the regular files of src into a new directory under
// base and returns its path.
func fxCopyDir(t testing.TB, src, dst string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(dst, 0o755))
	des, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, de := range des {
		if !de.Type().IsRegular() {
			continue
		}
		in, err := os.Open(filepath.Join(src, de.Name()))
		require.NoError(t, err)
		out, err := os.Create(filepath.Join(dst, de.Name()))
		require.NoError(t, err)
		_, err = io.Copy(out, in)
		require.NoError(t, err)
		require.NoError(t, in.Close())
		require.NoError(t, out.Close())
	}
}

// fxDirFiles returns the names of the data files of a store directory
// (segments and checkpoints), sorted.
func fxDirFiles(t testing.TB, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, de := range des {
		if n := de.Name(); filepath.Ext(n) == ".wal" || filepath.Ext(n) == ".ckpt" {
			out = append(out, n)
		}
	}
	return out
}

// fxKV is the key name-th of ns as a KV key.
func fxKV(ns core.Namespace, format string, args ...any) core.Key {
	return core.KVKey(ns, fmt.Sprintf(format, args...))
}
