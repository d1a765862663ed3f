package core

import (
	"encoding/json"
	"math"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// deepArray returns depth arrays nested in one another around leaf.
func deepArray(depth int, leaf Value) Value {
	v := leaf
	for range depth {
		v = ArrayValue(v)
	}
	return v
}

// deepMap returns depth one-entry maps nested in one another around leaf,
// with an array of a few scalars beside each (so that the walks see both
// kinds at every level).
func deepMap(depth int, leaf Value) Value {
	v := leaf
	for i := range depth {
		if i%2 == 0 {
			v = MapValue(map[string]Value{"k": v, "s": StringValue("x")})
		} else {
			v = ArrayValue(Int64Value(1), v, BoolValue(true))
		}
	}
	return v
}

// withSmallStack runs fn with goroutine stacks limited to 4 MiB, so that a
// walk that recursed once per level would die of a stack overflow (a fatal
// error, which recover cannot catch) at the depths the test builds, as a
// real process does at a few million levels under the default 1 GiB limit.
func withSmallStack(t *testing.T, fn func()) {
	t.Helper()
	old := debug.SetMaxStack(4 << 20)
	defer debug.SetMaxStack(old)
	fn()
}

// Values nested far deeper than MaxValueDepth can be built by hand: Size,
// Equal, String, Any and Measure must survive any depth (no recursion per
// level), and everything that encodes refuses them with ErrInvalidValue.
func TestDeepValuesNeverCrash(t *testing.T) {
	for _, shape := range []struct {
		name  string
		depth int
		build func(int, Value) Value
	}{{"arrays", 100_000, deepArray}, {"maps", 40_000, deepMap}} {
		t.Run(shape.name, func(t *testing.T) {
			depth := shape.depth
			v := shape.build(depth, StringValue("leaf"))
			same := shape.build(depth, StringValue("leaf"))
			other := shape.build(depth, StringValue("leaF"))
			withSmallStack(t, func() {
				require.Greater(t, v.Size(), depth*valueHeader)
				require.Equal(t, v.Size(), same.Size())

				require.True(t, v.Equal(v))
				require.True(t, v.Equal(same))
				require.False(t, v.Equal(other), "the leaves differ")
				require.False(t, other.Equal(v))

				s := v.String()
				require.Contains(t, s, `"leaf"`)
				require.NotContains(t, s, `"leaF"`)
				require.Equal(t, strings.Count(s, "["), strings.Count(s, "]"))
				require.Equal(t, strings.Count(s, "{"), strings.Count(s, "}"))

				top := v.Any()
				a := top
				n := 0
				for {
					switch x := a.(type) {
					case []any:
						a = x[len(x)/2]
						n++
						continue
					case map[string]any:
						a = x["k"]
						n++
						continue
					}
					break
				}
				require.Equal(t, depth, n, "Any keeps every level")
				require.Equal(t, "leaf", a)

				m, err := v.Measure()
				require.ErrorIs(t, err, ErrInvalidValue)
				require.Equal(t, MaxValueDepth+1, m.Depth)
				_, err = v.MarshalBinary()
				require.ErrorIs(t, err, ErrInvalidValue)
				_, err = v.AppendBinary(nil)
				require.ErrorIs(t, err, ErrInvalidValue)
				_, err = json.Marshal(v)
				require.ErrorIs(t, err, ErrInvalidValue)
				_, err = ValueOf(top)
				require.ErrorIs(t, err, ErrInvalidValue)
			})
		})
	}
}

// Measure agrees with the encodings and counts what the caller gave.
func TestMeasure(t *testing.T) {
	for _, c := range []struct {
		v           Value
		depth, data int
	}{
		{NullValue(), 0, 0},
		{BoolValue(true), 0, 1},
		{Int64Value(-3), 0, 8},
		{Float64Value(0.5), 0, 8},
		{StringValue("a"), 0, 1},
		{StringValue(strings.Repeat("x", 300)), 0, 300},
		{BytesValue([]byte{1, 2, 3}), 0, 3},
		{VectorValue([]float32{1, 2}), 0, 8},
		{ArrayValue(), 1, 0},
		{ArrayValue(StringValue("ab"), NullValue()), 1, 2},
		{MapValue(map[string]Value{"key": Int64Value(1)}), 1, 11},
		{MapValue(map[string]Value{"a": ArrayValue(ArrayValue(BoolValue(false)))}), 3, 2},
		{deepArray(MaxValueDepth, NullValue()), MaxValueDepth, 0},
		// Every kind empty or at an edge, maps inside arrays and arrays
		// inside maps, keys longer than one varint byte, and a value nested
		// past the depth where Size stops recursing (its own walk takes over).
		{BoolValue(false), 0, 1},
		{Int64Value(math.MaxInt64), 0, 8},
		{Float64Value(math.NaN()), 0, 8},
		{StringValue(""), 0, 0},
		{BytesValue(nil), 0, 0},
		{VectorValue(nil), 0, 0},
		{MapValue(map[string]Value{}), 1, 0},
		{ArrayValue(MapValue(map[string]Value{"v": VectorValue([]float32{1, 2, 3}), "b": BytesValue([]byte{0})}), Float64Value(math.Copysign(0, -1))), 2, 23},
		{MapValue(map[string]Value{strings.Repeat("k", 200): MapValue(map[string]Value{"inner": Int64Value(math.MinInt64)})}), 2, 213},
		{deepMap(300, StringValue("leaf")), 300, 150*3 + 150*9 + 4},
	} {
		m, err := c.v.Measure()
		require.NoError(t, err, "%s", c.v)
		require.Equal(t, c.depth, m.Depth, "%s", c.v)
		require.Equal(t, c.data, m.Data, "%s", c.v)
		enc, err := c.v.MarshalBinary()
		require.NoError(t, err)
		require.Equal(t, len(enc), m.Encoded, "%s", c.v)
		require.Equal(t, c.v.Size(), m.Size, "%s", c.v)
	}
	_, err := deepArray(MaxValueDepth+1, NullValue()).Measure()
	require.ErrorIs(t, err, ErrInvalidValue)
	_, err = deepMap(MaxValueDepth+1, NullValue()).Measure()
	require.ErrorIs(t, err, ErrInvalidValue)
}

// Measure's Size and Encoded are Value.Size and the encoding's length for
// random values of every kind, nested up to four levels.
func TestMeasureMatchesSizeAndEncoding(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v := valueGen(4).Draw(t, "v")
		m, err := v.Measure()
		if err != nil {
			t.Fatalf("Measure(%s): %v", v, err)
		}
		enc, err := v.MarshalBinary()
		if err != nil {
			t.Fatalf("MarshalBinary(%s): %v", v, err)
		}
		if m.Size != v.Size() || m.Encoded != len(enc) {
			t.Fatalf("%s: Measure gives Size %d, Encoded %d; Size() is %d, the encoding %d bytes", v, m.Size, m.Encoded, v.Size(), len(enc))
		}
	})
}
