package core_test

import (
	"bytes"
	"encoding/json"
	"errors"
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

// A Prefix selects the keys of a tenant, an app, an agent (across its runs), a
// run, or a key prefix; a store scans it as one range of the key order. Match
// tells whether a key is in it.
func ExamplePrefix() {
	run1 := core.RunID{1}
	run2 := core.RunID{2}
	triage1 := core.Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: run1}
	triage2 := core.Namespace{Tenant: "acme", App: "support", Agent: "triage", RunID: run2}
	billing := core.Namespace{Tenant: "acme", App: "support", Agent: "billing", RunID: run1}

	memory := core.AgentPrefix("acme", "support", "triage") // every run of the agent
	for _, k := range []core.Key{
		core.KVKey(triage1, "customer"),
		core.EventKey(triage2, 7),
		core.KVKey(billing, "customer"),
		core.KVKey(core.Namespace{Tenant: "acme-eu", App: "support", Agent: "triage"}, "customer"),
	} {
		fmt.Println(memory.Match(k), k)
	}

	fmt.Println(core.AllKeys())
	fmt.Println(core.TenantPrefix("acme"))
	fmt.Println(core.AppPrefix("acme", "support"))
	fmt.Println(memory)
	fmt.Println(core.NamespacePrefix(triage1))
	events := core.KeyPrefix(core.NewKey(triage1, core.TypeEvent, nil)) // what ScanPrefix of that key returns
	fmt.Println(events, events.Match(core.EventKey(triage1, 3)), events.Match(core.EventKey(triage2, 3)))

	bad := core.KeyPrefix(core.NewKey(triage1, core.TypeTag(42), nil))
	fmt.Println(bad.Valid(), errors.Is(bad.Err(), core.ErrInvalidKey))
	// Output:
	// true acme/support/triage/01000000-0000-0000-0000-000000000000/kv/customer
	// true acme/support/triage/02000000-0000-0000-0000-000000000000/event/7
	// false acme/support/billing/01000000-0000-0000-0000-000000000000/kv/customer
	// false acme-eu/support/triage/00000000-0000-0000-0000-000000000000/kv/customer
	// *
	// acme/*
	// acme/support/*
	// acme/support/triage/*
	// acme/support/triage/01000000-0000-0000-0000-000000000000/*
	// acme/support/triage/01000000-0000-0000-0000-000000000000/event/* true false
	// false true
}

// ValueOf turns what an agent holds (decoded JSON, maps, slices, structs) into
// a Value; Any turns it back.
func ExampleValueOf() {
	type step struct {
		Tool string   `json:"tool"`
		Args []string `json:"args"`
	}
	v, err := core.ValueOf(map[string]any{
		"goal":  "refund order 1234",
		"turns": 3,
		"plan":  []step{{Tool: "lookup", Args: []string{"1234"}}},
		"embed": []float32{0.25, -1},
	})
	fmt.Println(v, err)

	m := v.Any().(map[string]any)
	fmt.Printf("%T %T %T\n", m["turns"], m["plan"], m["embed"])

	_, err = core.ValueOf(make(chan int))
	fmt.Println(errors.Is(err, core.ErrInvalidValue))
	// Output:
	// {"embed":vector[0.25 -1] "goal":"refund order 1234" "plan":[{"args":["1234"] "tool":"lookup"}] "turns":3} <nil>
	// int64 []interface {} []float32
	// true
}

// Values marshal to natural JSON. Floats keep a fraction so that they come back
// as floats; bytes (base64) and vectors (number arrays) do not keep their kind.
func ExampleValue_MarshalJSON() {
	v := core.MapValue(map[string]core.Value{
		"n":   core.Int64Value(3),
		"f":   core.Float64Value(3),
		"raw": core.BytesValue([]byte("hi")),
		"vec": core.VectorValue([]float32{0.5, 1}),
	})
	b, err := json.Marshal(v)
	fmt.Println(string(b), err)

	var back core.Value
	err = json.Unmarshal(b, &back)
	fmt.Println(back, err)
	fmt.Println(back.Map()["n"].Kind(), back.Map()["f"].Kind(), back.Map()["raw"].Kind(), back.Map()["vec"].Kind())
	// Output:
	// {"f":3.0,"n":3,"raw":"aGk=","vec":[0.5,1.0]} <nil>
	// {"f":3 "n":3 "raw":"aGk=" "vec":[0.5 1]} <nil>
	// int64 float64 string array
}

// An embedding is a vector Value under a vector key.
func ExampleVectorValue() {
	ns := core.Namespace{Tenant: "acme", App: "support", Agent: "triage"}
	k := core.VectorKey(ns, "ticket-1234")
	v := core.VectorValue([]float32{0.12, -0.5, 0.33})
	fmt.Println(k)
	fmt.Println(v.Kind(), v.Len(), v)
	fmt.Println(v.Vector()[1])
	// Output:
	// acme/support/triage/00000000-0000-0000-0000-000000000000/vector/ticket-1234
	// vector 3 vector[0.12 -0.5 0.33]
	// -0.5
}

// The binary form of a Value is canonical and self-delimiting: DecodeValue
// reads one value off the front of a longer record.
func ExampleDecodeValue() {
	v := core.ArrayValue(core.StringValue("a"), core.Int64Value(1))
	rec, _ := v.AppendBinary([]byte{0xAA}) // a record header, then the value
	rec = append(rec, 0xBB)                // and whatever follows it

	got, n, err := core.DecodeValue(rec[1:])
	fmt.Printf("%x\n", rec)
	fmt.Println(got, n, err, got.Equal(v))

	_, _, err = core.DecodeValue([]byte{0x04, 0x05, 'a'})
	fmt.Println(errors.Is(err, core.ErrCorrupt), err)
	// Output:
	// aa0602040161020000000000000001bb
	// ["a" 1] 14 <nil> true
	// true inmem: corrupt data: value: length 5 exceeds the 1 bytes left at byte 1
}
