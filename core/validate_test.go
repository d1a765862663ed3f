package core

import (
	"errors"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	if err := KVKey(Namespace{}, "k").Validate(); err != nil {
		t.Fatal(err)
	}
	if err := NewKey(Namespace{}, TypeTag(9), nil).Validate(); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("%v, want ErrInvalidKey", err)
	}
	if err := ValidateTTL(0); err != nil {
		t.Fatal(err)
	}
	if err := ValidateTTL(-time.Nanosecond); !errors.Is(err, ErrInvalidTTL) {
		t.Fatalf("%v, want ErrInvalidTTL", err)
	}
}
