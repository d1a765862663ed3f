package mvcc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/inmemdb/inmem/core"
	"github.com/inmemdb/inmem/internal/wal"
	"github.com/stretchr/testify/require"
)

// acceptShared is a 1 MiB string that values refer to many times over: a
// value of many GiB encoded costs a few KiB of memory, so the tests can
// cross the format's limit without allocating it.
var acceptShared = strings.Repeat("s", 1<<20)

// deepValue nests leaf in depth arrays.
func deepValue(depth int, leaf core.Value) core.Value {
	v := leaf
	for range depth {
		v = core.ArrayValue(v)
	}
	return v
}

// acceptStores returns a store made by New and one made by Open, each
// with opts.
func acceptStores(t testing.TB, opts ...Option) map[string]*Store {
	return map[string]*Store{
		"New":  New(opts...),
		"Open": fxOpen(t, t.TempDir(), append([]Option{WithSync(SyncNone)}, opts...)...),
	}
}

// sameRefusal fails the test unless a and b are both nil or both wrap the
// same one of the sentinels a write can be refused with.
func sameRefusal(t testing.TB, a, b error, msgAndArgs ...any) {
	t.Helper()
	if (a == nil) != (b == nil) {
		require.Fail(t, "one store accepted what the other refused", "%v / %v: %v", a, b, msgAndArgs)
	}
	for _, s := range []error{core.ErrInvalidValue, core.ErrTooLarge, core.ErrInvalidKey, core.ErrInvalidTTL, core.ErrInvalidArgument} {
		if errors.Is(a, s) != errors.Is(b, s) {
			require.Fail(t, "the stores refused differently", "%v / %v: %v", a, b, msgAndArgs)
		}
	}
}

// New and Open accept exactly the same values, by one rule checked at the
// write: nested at most core.MaxValueDepth deep, and a key and value that fit
// one entry of the log and backup formats. Each write is refused the same
// way by every write method, and the refusal changes nothing.
func TestNewAndOpenAcceptTheSameValues(t *testing.T) {
	ns := fxNS("t", "a", 1)
	k := core.KVKey(ns, "k")
	huge := make([]core.Value, wal.MaxEntrySize>>20+1)
	for i := range huge {
		huge[i] = core.StringValue(acceptShared)
	}
	for _, c := range []struct {
		name string
		v    core.Value
		want error
	}{
		{"deepest", deepValue(core.MaxValueDepth, core.Int64Value(1)), nil},
		{"one-too-deep", deepValue(core.MaxValueDepth+1, core.Int64Value(1)), core.ErrInvalidValue},
		{"far-too-deep", deepValue(200_000, core.NullValue()), core.ErrInvalidValue},
		{"deep-maps", func() core.Value {
			v := core.NullValue()
			for range core.MaxValueDepth + 1 {
				v = core.MapValue(map[string]core.Value{"m": v})
			}
			return v
		}(), core.ErrInvalidValue},
		{"over-the-entry-limit", core.ArrayValue(huge...), core.ErrTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			for name, s := range acceptStores(t) {
				r := s.root.Load()
				writes := map[string]func() error{
					"Put": func() error { _, err := s.Put(k, c.v, 0); return err },
					"CompareAndSwap": func() error {
						var at uint64
						if vv, err := s.Get(k); err == nil {
							at = vv.Version
						}
						_, err := s.CompareAndSwap(k, at, c.v, 0)
						return err
					},
					"Append": func() error { _, _, err := s.Append(ns, c.v, 0); return err },
					"Txn.Put": func() error {
						tx := s.Begin()
						defer tx.Discard()
						return tx.Put(k, c.v, 0)
					},
					"Txn.Append": func() error {
						tx := s.Begin()
						defer tx.Discard()
						_, err := tx.Append(ns, c.v, 0)
						return err
					},
				}
				for wname, write := range writes {
					err := write()
					if c.want == nil {
						require.NoError(t, err, "%s %s", name, wname)
						continue
					}
					require.ErrorIs(t, err, c.want, "%s %s", name, wname)
					fxUnchanged(t, s, r, name+" "+wname)
				}
				if c.want == nil {
					var buf bytes.Buffer
					_, err := s.Snapshot().WriteTo(&buf)
					require.NoError(t, err, "%s: a backup holds what the store accepted", name)
				}
			}
		})
	}
}

// A refusal names the key as Key.String prints it, not its encoding.
func TestWriteErrorsPrintTheKey(t *testing.T) {
	ns := core.Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: fxRun(7)}
	k := core.KVKey(ns, "notes")
	s, _ := fxStore(WithMaxValueSize(4), WithMaxKeySize(200))
	_, err := s.Put(k, core.StringValue("too long"), 0)
	require.ErrorIs(t, err, core.ErrTooLarge)
	require.Contains(t, err.Error(), k.String())
	_, err = s.Put(k, deepValue(core.MaxValueDepth+1, core.NullValue()), 0)
	require.ErrorIs(t, err, core.ErrInvalidValue)
	require.Contains(t, err.Error(), k.String())
	long := core.KVKey(ns, strings.Repeat("x", 300))
	_, err = s.Put(long, core.NullValue(), 0)
	require.ErrorIs(t, err, core.ErrTooLarge)
	require.Contains(t, err.Error(), long.String())
	require.NotContains(t, err.Error(), "\\x00", "no encoded bytes")
}

// WithMaxValueSize counts the data the caller gave: a string of n bytes
// counts n, not n plus a header.
func TestMaxValueSizeCountsTheData(t *testing.T) {
	for name, s := range acceptStores(t, WithMaxValueSize(10)) {
		k := core.KVKey(fxNS("t", "a", 1), "k")
		for _, c := range []struct {
			v  core.Value
			ok bool
		}{
			{core.StringValue("x"), true},
			{core.StringValue("0123456789"), true},
			{core.StringValue("0123456789a"), false},
			{core.BytesValue(make([]byte, 10)), true},
			{core.BytesValue(make([]byte, 11)), false},
			{core.Int64Value(math.MinInt64), true},
			{core.ArrayValue(core.Int64Value(1), core.BoolValue(true), core.NullValue()), true},
			{core.ArrayValue(core.Int64Value(1), core.Float64Value(2)), false},
			{core.MapValue(map[string]core.Value{"key": core.StringValue("1234567")}), true},
			{core.MapValue(map[string]core.Value{"key": core.StringValue("12345678")}), false},
			{core.VectorValue([]float32{1, 2}), true},
			{core.VectorValue([]float32{1, 2, 3}), false},
		} {
			_, err := s.Put(k, c.v, 0)
			if c.ok {
				require.NoError(t, err, "%s: %s", name, c.v)
			} else {
				require.ErrorIs(t, err, core.ErrTooLarge, "%s: %s", name, c.v)
			}
		}
	}
}

// FuzzWriteAcceptance builds random values — any depth, any size up to
// past the format's limit (through a shared 1 MiB string) — and writes each
// to a store made by New and to one made by Open: neither crashes, both
// accept exactly the same values and refuse the others the same way, and
// what they accept a backup holds and a restore gives back. A value the rule
// accepts that encodes to more than 64 MiB goes to the New store only:
// logging it would make a run take seconds.
func FuzzWriteAcceptance(f *testing.F) {
	for _, seed := range acceptSeeds() {
		f.Add(seed)
	}
	mem := New()
	dur, err := Open(f.TempDir(), WithSync(SyncNone), WithCheckpointBytes(16<<20))
	if err != nil {
		f.Fatal(err)
	}
	defer dur.Close()
	ns := fxNS("t", "a", 1)
	k := core.KVKey(ns, "k")
	f.Fuzz(func(t *testing.T, program []byte) {
		v := buildValue(program)
		m, _ := v.Measure()
		big := m.Encoded > 64<<20 && len(encodeKey(k))+m.Encoded <= wal.MaxEntrySize
		_, errMem := mem.Put(k, v, 0)
		if big {
			if errMem != nil {
				t.Fatalf("a value within the limits refused: %v", errMem)
			}
			return
		}
		_, errDur := dur.Put(k, v, 0)
		sameRefusal(t, errMem, errDur, "Put")
		_, _, errMem = mem.Append(ns, v, 0)
		_, _, errDur = dur.Append(ns, v, 0)
		sameRefusal(t, errMem, errDur, "Append")
		if errMem != nil {
			return
		}
		var buf bytes.Buffer
		if _, err := dur.Snapshot().WriteTo(&buf); err != nil {
			t.Fatalf("backup of an accepted value: %v", err)
		}
		back, err := Restore(&buf)
		if err != nil {
			t.Fatalf("restore: %v", err)
		}
		got, err := back.Get(k)
		if err != nil || !got.Value.Equal(v) {
			t.Fatalf("the restored value differs: %v", err)
		}
		for _, s := range []*Store{mem, dur} {
			if _, _, err := s.DeletePrefix(core.NamespacePrefix(ns)); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// buildValue runs program, a little stack machine, and returns the value it
// built: every byte is an instruction, some followed by an operand.
func buildValue(program []byte) core.Value {
	var stack []core.Value
	p := program
	next := func() byte {
		if len(p) == 0 {
			return 0
		}
		b := p[0]
		p = p[1:]
		return b
	}
	next16 := func() int { return int(next())<<8 | int(next()) }
	pop := func() core.Value {
		if len(stack) == 0 {
			return core.NullValue()
		}
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		return v
	}
	popN := func(n int) []core.Value {
		n = min(n, len(stack))
		out := append([]core.Value(nil), stack[len(stack)-n:]...)
		stack = stack[:len(stack)-n]
		return out
	}
	for len(p) > 0 {
		switch next() % 12 {
		case 0:
			stack = append(stack, core.NullValue())
		case 1:
			stack = append(stack, core.BoolValue(next()&1 == 1))
		case 2:
			var b [8]byte
			for i := range b {
				b[i] = next()
			}
			stack = append(stack, core.Int64Value(int64(binary.BigEndian.Uint64(b[:]))))
		case 3:
			stack = append(stack, core.Float64Value(math.Float64frombits(uint64(next16())<<48|uint64(next16()))))
		case 4: // a string of up to 64 KiB
			stack = append(stack, core.StringValue(acceptShared[:next16()]))
		case 5:
			stack = append(stack, core.BytesValue([]byte(acceptShared[:next()])))
		case 6:
			vec := make([]float32, next())
			for i := range vec {
				vec[i] = float32(i) / 3
			}
			stack = append(stack, core.VectorValue(vec))
		case 7: // nest the top in up to 65535 arrays
			v := pop()
			for range next16() {
				v = core.ArrayValue(v)
			}
			stack = append(stack, v)
		case 8: // nest the top in up to 65535 maps
			v := pop()
			key := string([]byte{next()})
			for range next16() {
				v = core.MapValue(map[string]core.Value{key: v})
			}
			stack = append(stack, v)
		case 9: // an array of the top n values
			stack = append(stack, core.ArrayValue(popN(int(next()))...))
		case 10: // a map of the top n values
			vs := popN(int(next()))
			m := make(map[string]core.Value, len(vs))
			for i, v := range vs {
				m[string(rune('a'+i%26))+string([]byte{byte(i)})] = v
			}
			stack = append(stack, core.MapValue(m))
		case 11: // up to 16 references to the shared 1 MiB string, or over a
			// thousand (past the limit)
			n := next16()
			if n > 16 {
				n += 1024
			}
			vs := make([]core.Value, n)
			for i := range vs {
				vs[i] = core.StringValue(acceptShared)
			}
			stack = append(stack, core.ArrayValue(vs...))
		}
	}
	if len(stack) == 1 {
		return stack[0]
	}
	return core.ArrayValue(stack...)
}

// acceptSeeds are programs the fuzz target always runs: the edges of the
// rule.
func acceptSeeds() [][]byte {
	wrap := func(op byte, n int, inner ...byte) []byte {
		return append(inner, op, byte(n>>8), byte(n))
	}
	return [][]byte{
		{},
		{0, 1, 1, 2, 1, 2, 3, 4, 5, 6, 7, 8, 4, 0, 10, 5, 3, 6, 4, 9, 3},
		wrap(7, core.MaxValueDepth-1, 2, 0, 0, 0, 0, 0, 0, 0, 42), // a scalar in MaxValueDepth-1 arrays
		wrap(7, core.MaxValueDepth, 0),                            // MaxValueDepth arrays around null
		wrap(7, core.MaxValueDepth+1, 0),                          // one too deep
		wrap(8, core.MaxValueDepth+1, 0),                          // maps, one too deep
		wrap(7, 5_000, 4, 1, 0),                                   // far too deep
		wrap(8, 500, wrap(7, 500, 0)...),                          // maps around arrays: 1000
		wrap(8, 501, wrap(7, 500, 0)...),                          // 1001
		{11, 0x00, 0x11},                                          // 1041 MiB: over the entry limit
		{11, 0x00, 0x02, 4, 0xff, 0xff, 9, 2},                     // 2 MiB and a string: accepted
	}
}
