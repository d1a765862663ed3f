package core_test

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/inmemdb/inmem/core"
)

// Keys sort by tenant, app, agent, run id, type tag and user key, and the
// byte order of their encodings is the same order.
func ExampleKey_Encode() {
	ns := core.Namespace{Tenant: "acme", App: "support", Agent: "triage"}
	keys := []core.Key{
		core.KVKey(ns, "b"),
		core.EventKey(ns, 256),
		core.KVKey(core.Namespace{Tenant: "acme-eu"}, "a"),
		core.EventKey(ns, 2),
		core.KVKey(ns, "a"),
		core.KVKey(core.Namespace{Tenant: "ac"}, "z"),
	}
	slices.SortFunc(keys, func(a, b core.Key) int {
		return bytes.Compare(a.Encode(), b.Encode())
	})
	for _, k := range keys {
		fmt.Println(k)
	}

	enc := core.KVKey(ns, "a").Encode()
	k, err := core.DecodeKey(enc)
	fmt.Println(k.Equal(core.KVKey(ns, "a")), err)

	p := core.NewKey(ns, core.TypeEvent, nil) // every event of ns
	fmt.Println(core.EventKey(ns, 7).HasPrefix(p), bytes.HasPrefix(core.EventKey(ns, 7).Encode(), p.Encode()))
	// Output:
	// ac///00000000-0000-0000-0000-000000000000/kv/z
	// acme/support/triage/00000000-0000-0000-0000-000000000000/kv/a
	// acme/support/triage/00000000-0000-0000-0000-000000000000/kv/b
	// acme/support/triage/00000000-0000-0000-0000-000000000000/event/2
	// acme/support/triage/00000000-0000-0000-0000-000000000000/event/256
	// acme-eu///00000000-0000-0000-0000-000000000000/kv/a
	// true <nil>
	// true true
}

func ExampleValue() {
	tags := []string{"urgent", "billing"}
	v := core.MapValue(map[string]core.Value{
		"id":    core.Int64Value(42),
		"score": core.Float64Value(0.75),
		"open":  core.BoolValue(true),
		"title": core.StringValue("refund"),
		"raw":   core.BytesValue([]byte{0xca, 0xfe}),
		"tags":  core.ArrayValue(core.StringValue(tags[0]), core.StringValue(tags[1])),
		"owner": core.NullValue(),
	})
	fmt.Println(v.Kind(), v.Len())
	fmt.Println(v)

	m := v.Map()
	m["id"] = core.Int64Value(0) // a copy: v is unchanged
	fmt.Println(v.Map()["id"].Int64(), m["title"].String())

	fmt.Println(core.Int64Value(1).Equal(core.Float64Value(1)))
	var zero core.Value
	fmt.Println(zero.Kind(), zero.Equal(core.NullValue()))
	// Output:
	// map 7
	// {"id":42 "open":true "owner":null "raw":0xcafe "score":0.75 "tags":["urgent" "billing"] "title":"refund"}
	// 42 refund
	// false
	// null true
}

func ExampleManualClock() {
	clock := core.NewManualClock(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	v := core.VersionedValue{
		Value:     core.StringValue("session token"),
		Version:   1,
		Timestamp: clock.Now(),
		TTL:       time.Minute,
	}
	at, _ := v.ExpiresAt()
	fmt.Println("expires at", at.Format(time.RFC3339Nano))

	clock.Advance(time.Minute - time.Nanosecond)
	fmt.Println(clock.Now().Format(time.RFC3339Nano), v.Expired(clock.Now()))

	clock.Advance(time.Nanosecond)
	fmt.Println(clock.Now().Format(time.RFC3339Nano), v.Expired(clock.Now()))

	clock.Set(time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC))
	fmt.Println(clock.Now().Format(time.RFC3339Nano), v.Expired(clock.Now()))
	// Output:
	// expires at 2024-01-01T00:01:00Z
	// 2024-01-01T00:00:59.999999999Z false
	// 2024-01-01T00:01:00Z true
	// 2023-12-31T00:00:00Z false
}
