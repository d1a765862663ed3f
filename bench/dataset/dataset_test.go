package dataset

import "testing"

func TestShape(t *testing.T) {
	const n = 5000
	s := New(n)
	if len(s.Keys) != n || len(s.Vals) != n || len(s.TTLs) != n {
		t.Fatalf("sizes %d/%d/%d", len(s.Keys), len(s.Vals), len(s.TTLs))
	}
	if len(s.Live) != n-Expiring {
		t.Fatalf("%d live keys, want %d", len(s.Live), n-Expiring)
	}
	seen := make(map[string]bool, n)
	total, big, run := 0, 0, 0
	for i, k := range s.Keys {
		enc := string(k.Encode())
		if seen[enc] {
			t.Fatalf("duplicate key %v", k)
		}
		seen[enc] = true
		total += len(enc)
		if k.HasPrefix(s.Big) {
			big++
		}
		if k.Namespace == s.SmallRun {
			run++
			if s.TTLs[i] != 0 {
				t.Fatalf("the scanned run holds an expiring key")
			}
		}
		if len(s.Vals[i]) != ValueSize {
			t.Fatalf("value of %d bytes", len(s.Vals[i]))
		}
	}
	if avg := total / n; avg < 45 || avg > 55 {
		t.Errorf("average encoded key is %d bytes, want about 50", avg)
	}
	if big != s.BigCount || big != n/10 || run != RunSize {
		t.Errorf("%d keys under Big (want %d), %d in the small run", big, n/10, run)
	}
	if len(s.Fresh) != BatchSize(n) {
		t.Errorf("%d fresh keys, want %d", len(s.Fresh), BatchSize(n))
	}
	for _, k := range s.Fresh {
		if seen[string(k.Encode())] {
			t.Fatalf("fresh key %v is in the set", k)
		}
	}
	if len(s.FreshRun) != BatchSize(n) {
		t.Errorf("%d fresh one-run keys, want %d", len(s.FreshRun), BatchSize(n))
	}
	for i, k := range s.FreshRun {
		if seen[string(k.Encode())] {
			t.Fatalf("fresh one-run key %v is in the set", k)
		}
		if k.Namespace != s.FreshRun[0].Namespace {
			t.Fatalf("fresh one-run key %d is in namespace %v, key 0 in %v", i, k.Namespace, s.FreshRun[0].Namespace)
		}
		if i > 0 && string(s.FreshRun[i-1].Encode()) >= string(k.Encode()) {
			t.Fatalf("fresh one-run keys %d and %d are not ascending", i-1, i)
		}
	}
	again := New(n)
	if !again.Keys[17].Equal(s.Keys[17]) || again.SmallRun != s.SmallRun {
		t.Error("data sets of one size differ")
	}
}
