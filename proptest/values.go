package proptest

import (
	"math"

	"github.com/inmemdb/inmem/core"
)

// values are what the suite writes: every kind of Value, including the
// floats a careless codec loses (NaN, the infinities, negative zero, kept
// exactly by core's binary codec and compared bit for bit by Value.Equal),
// vectors, nested arrays and maps, and a JSON document as an agent's tool
// output decodes to.
var values = buildValues()

func buildValues() []core.Value {
	negZero := math.Copysign(0, -1)
	nan := math.NaN()
	var doc core.Value
	if err := doc.UnmarshalJSON([]byte(`{"tool":"search","args":{"q":"memory","k":5},` +
		`"results":[{"id":"a","score":0.93},{"id":"b","score":0.5,"tags":["x","y"]}],"done":true,"error":null}`)); err != nil {
		panic("proptest: the JSON value does not decode: " + err.Error())
	}
	return []core.Value{
		core.NullValue(),
		core.BoolValue(true),
		core.Int64Value(1),
		core.Int64Value(math.MinInt64),
		core.Float64Value(2.5),
		core.Float64Value(nan),
		core.Float64Value(math.Inf(1)),
		core.Float64Value(math.Inf(-1)),
		core.Float64Value(negZero),
		core.StringValue("x"),
		core.StringValue(""),
		core.BytesValue([]byte{0, 1}),
		core.VectorValue([]float32{0.25, -1, float32(negZero), float32(nan), float32(math.Inf(1))}),
		core.VectorValue([]float32{1, 2, 3}),
		core.ArrayValue(core.Int64Value(1), core.StringValue("x")),
		core.MapValue(map[string]core.Value{"k": core.Int64Value(3)}),
		core.MapValue(map[string]core.Value{
			"nested": core.ArrayValue(core.MapValue(map[string]core.Value{"f": core.Float64Value(negZero)}), core.ArrayValue()),
			"empty":  core.MapValue(nil),
			"bytes":  core.BytesValue(nil),
		}),
		doc,
	}
}
